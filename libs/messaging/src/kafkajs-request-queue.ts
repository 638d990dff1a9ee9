/**
 * The one change this project makes to kafkajs 2.2.4 (pinned; the library is in maintenance mode and the fix,
 * tulios/kafkajs#1751 / #1768, is not released): every broker connection's request queue re-arms a timer after each
 * check of its pending requests, even with nothing pending and no throttle, with a negative delay
 * (`throttledUntil` starts at -1). Node runs that as 1 ms, so each connection polls at about 1 kHz while idle
 * (measured: about 1,800 timers and 40 ms of CPU a second for one idle producer and admin client), and Node 24
 * prints a TimeoutNegativeWarning on stderr.
 *
 * The replacement keeps kafkajs's rules — pending requests are checked when the throttle ends, or every 10 ms
 * while some wait without a throttle — and arms no timer when nothing waits and nothing throttles: a new request is
 * sent at once or queued by `push`, which schedules the check itself. Imported by `KafkaConnection`, so every client
 * the gateway makes has it.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs exports no types for its internals
const RequestQueue = require('kafkajs/src/network/requestQueue') as RequestQueueClass;

/** kafkajs's interval for pending requests that wait without a throttle (CHECK_PENDING_REQUESTS_INTERVAL). */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

interface RequestQueueState {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
}
interface RequestQueueClass {
  prototype: RequestQueueState & { scheduleCheckPendingRequests(this: RequestQueueState): void };
}

RequestQueue.prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueueState) {
  if (this.throttleCheckTimeoutId) return;
  const untilUnthrottled = this.throttledUntil - Date.now();
  if (untilUnthrottled <= 0 && this.pending.length === 0) return;
  const delay = untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_REQUESTS_INTERVAL_MS;
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, delay);
};
