// A gateway's SSE answer text split into events (event name and joined data), for assertions on what a client got.

export interface SseEvent {
  readonly event: string;
  readonly data: string;
}

export function sseEvents(text: string): SseEvent[] {
  return text.split('\n\n').filter((b) => b.trim() !== '').map((block) => {
    let event = '';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data += line.slice(6);
    }
    return { event, data };
  });
}
