// The Responses API's stateful fields. OpenAI keeps responses and conversations server-side; the gateway stores
// nothing, so these only work when a route's target is OpenAI itself (reached by passthrough, which forwards them).
// Every translated path refuses them with a 400 that says so.
//
// `store`: OpenAI's default is `true`, but a client that leaves it out has not asked for anything to be kept (every
// SDK omits it by default), so only an explicit `store: true` is refused; absent, null or false is fine.
// `previous_response_id`, `conversation`, `prompt` (a stored prompt template): any value but absent/null is refused.
// `background: true` (a response polled later) is refused.
import { GatewayError } from '../../errors/errors.ts';

const ONLY_OPENAI = 'is only available when the route\'s target is OpenAI itself: the gateway stores no responses.';

/** The refusal for the first stateful field `body` uses, or null when it uses none. */
export function statefulFieldRefusal(body: Readonly<Record<string, unknown>>): GatewayError | null {
  const present = (key: string): boolean => body[key] !== undefined && body[key] !== null;
  if (present('previous_response_id')) {
    return new GatewayError('invalid_request', { param: 'previous_response_id', message: `previous_response_id ${ONLY_OPENAI} Send the whole conversation in "input" instead.` });
  }
  if (body.store === true) {
    return new GatewayError('invalid_request', { param: 'store', message: `store: true ${ONLY_OPENAI} Leave "store" out or set it to false.` });
  }
  if (body.background === true) {
    return new GatewayError('invalid_request', { param: 'background', message: `background: true ${ONLY_OPENAI}` });
  }
  if (present('conversation')) {
    return new GatewayError('invalid_request', { param: 'conversation', message: `conversation ${ONLY_OPENAI} Send the whole conversation in "input" instead.` });
  }
  if (present('prompt')) {
    return new GatewayError('invalid_request', { param: 'prompt', message: `prompt (a stored prompt template) ${ONLY_OPENAI}` });
  }
  return null;
}

/** Throws the refusal for a stateful field (see statefulFieldRefusal). */
export function refuseStatefulFields(body: Readonly<Record<string, unknown>>): void {
  const refusal = statefulFieldRefusal(body);
  if (refusal !== null) throw refusal;
}
