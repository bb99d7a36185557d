// The Anthropic error type of an upstream 4xx passed through to an Anthropic client follows the status, as Anthropic
// documents it: a provider's 404 (our upstream_bad_request with status 404, type invalid_request_error) is
// not_found_error, so the official SDK's NotFoundError carries the matching type (test/clients/catalogue.test.ts B12).
import { describe, expect, it } from 'vitest';
import { anthropicErrorType } from '../../pkg/dialects/anthropic-messages/index.ts';

describe('anthropicErrorType by status', () => {
  it.each([
    [404, 'invalid_request_error', 'not_found_error'],
    [413, 'invalid_request_error', 'request_too_large'],
    [400, 'invalid_request_error', 'invalid_request_error'],
    [422, 'invalid_request_error', 'invalid_request_error'],
  ])('%i with gateway type %s → %s', (status, type, want) => {
    expect(anthropicErrorType({ status, type })).toBe(want);
  });
});
