import {
  IsIn,
  IsISO8601,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateBy,
} from 'class-validator';
import { readMessage } from '../read-message';

/**
 * Qerko → POS requests. The v4 webhook body is not public: we assume Qerko's WebSocket frame
 * `{"type":"method-call-request","uuid","method","args":[…]}` and answer `{"type":"method-call-response","uuid",
 * "result" | "error"}` (shared/PROVIDERS.md). Everything that depends on that assumption lives here and in the
 * bridge's frame adapter, so it can change when Qerko publishes the schema.
 */
export const QERKO_METHODS = [
  'getBill',
  'getTableContents',
  'getTableList',
  'searchBills',
  'getPostponedReceipt',
  'paymentStart',
  'paymentProcessed',
  'paymentClosed',
] as const;
export type QerkoMethod = (typeof QERKO_METHODS)[number];

/** An unanswered paymentStart / paymentProcessed makes Qerko cancel the payment. */
export const QERKO_PAYMENT_CRITICAL: readonly QerkoMethod[] = ['paymentStart', 'paymentProcessed'];

type ArgRule = { name: string; kind: 'string' | 'string|null' | 'object' };

/** Each method's positional arguments (shared/PROVIDERS.md). */
export const QERKO_ARGS: Record<QerkoMethod, ArgRule[]> = {
  getBill: [
    { name: 'idBill', kind: 'string' },
    { name: 'idCustomer', kind: 'string|null' },
  ],
  getTableContents: [
    { name: 'idTable', kind: 'string' },
    { name: 'idCustomer', kind: 'string|null' },
  ],
  getTableList: [],
  searchBills: [
    { name: 'qrIdentifier', kind: 'string' },
    { name: 'idCustomer', kind: 'string|null' },
  ],
  getPostponedReceipt: [{ name: 'idPayment', kind: 'string' }],
  paymentStart: [{ name: 'payment', kind: 'object' }],
  paymentProcessed: [{ name: 'idPayment', kind: 'string' }],
  paymentClosed: [
    { name: 'idPayment', kind: 'string' },
    { name: 'state', kind: 'string' },
  ],
};

export const QERKO_DESCRIPTIONS: Record<QerkoMethod, string> = {
  getBill: 'Qerko asks for a bill: args [idBill, idCustomer|null]; answer a Bill (errors BILL_CLOSED, BILL_NOT_FOUND).',
  getTableContents: 'Qerko asks for the bills on a table: args [idTable, idCustomer]; answer Bill[].',
  getTableList: 'Qerko asks for the list of tables: no args; answer Table[].',
  searchBills: 'Qerko searches bills by QR code: args [qrIdentifier, idCustomer]; answer Bill[] (error QR_INVALID).',
  getPostponedReceipt: 'Qerko asks for a postponed receipt: args [idPayment].',
  paymentStart: 'A guest started paying: args [payment]. No answer in time cancels the payment.',
  paymentProcessed: 'A payment was processed: args [idPayment]. No answer in time cancels the payment.',
  paymentClosed: 'A payment was closed: args [idPayment, state].',
};

/** The inbound frame (unknown extra properties tolerated). */
export class QerkoRequestFrame {
  @IsIn(['method-call-request'])
  type: 'method-call-request';

  @IsString()
  @Matches(/^[0-9A-Za-z-]{8,64}$/, { message: 'uuid must be an identifier of 8 to 64 letters, digits or dashes' })
  uuid: string;

  @IsIn(QERKO_METHODS, { message: `method must be one of ${QERKO_METHODS.join(', ')}` })
  method: QerkoMethod;

  /** Positional arguments, checked per method (see QERKO_ARGS). */
  args: unknown[];

  /** Optional timing (Unix seconds): a request outside it is refused with 410. */
  @IsOptional() @IsNumber() created?: number;
  @IsOptional() @IsNumber() expires?: number;
}

/** The data of a `qerko.<method>` event, as the POS receives it. */
export class QerkoRequestEventData {
  @IsString() @MaxLength(64) uuid: string;
  @IsIn(QERKO_METHODS) method: QerkoMethod;
  args: unknown[];
}

/** Why each argument is wrong, or an empty list. */
export function qerkoArgProblems(method: QerkoMethod, args: unknown): Array<{ field: string; reason: string }> {
  if (!Array.isArray(args)) return [{ field: 'args', reason: 'must be an array' }];
  const rules = QERKO_ARGS[method];
  if (args.length !== rules.length) {
    return [
      {
        field: 'args',
        reason: `${method} takes ${rules.length} argument(s) (${rules.map((r) => r.name).join(', ') || 'none'}), got ${args.length}`,
      },
    ];
  }
  return rules.flatMap((rule, i) => {
    const value: unknown = args[i];
    const ok =
      rule.kind === 'object'
        ? typeof value === 'object' && value !== null && !Array.isArray(value)
        : typeof value === 'string' || (rule.kind === 'string|null' && value === null);
    return ok
      ? []
      : [
          {
            field: `args[${i}]`,
            reason: `${rule.name} must be ${rule.kind === 'object' ? 'an object' : rule.kind === 'string' ? 'a string' : 'a string or null'}`,
          },
        ];
  });
}

export const QERKO_REPLY_SCHEMA = 'qerko-reply.v1';

/** On `gateway.qerko-replies.v1`: a POS's synchronous answer, handed from fan-out to the bridge. */
export interface QerkoReplyV1 {
  schema: typeof QERKO_REPLY_SCHEMA;
  tenantId: string;
  /** The Qerko source the request came from (a uuid is unique per source); written by fan-out since offers began. */
  sourceId?: string;
  uuid: string;
  answer: { result: unknown } | { error: { code: string; message: string } };
  at: string;
}

/** Validation class for the records of `gateway.qerko-replies.v1`. */
export class QerkoReplyV1Message implements QerkoReplyV1 {
  @IsIn([QERKO_REPLY_SCHEMA])
  schema: typeof QERKO_REPLY_SCHEMA;

  @IsString()
  @IsNotEmpty()
  tenantId: string;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  sourceId?: string;

  @Matches(/^[0-9A-Za-z-]{8,64}$/, { message: 'uuid must be an identifier of 8 to 64 letters, digits or dashes' })
  uuid: string;

  @ValidateBy({
    name: 'isQerkoAnswer',
    validator: {
      validate: (value: unknown) => parseQerkoAnswer(value) !== null,
      defaultMessage: () => 'answer must be {"result": …} or {"error": {"code": string, "message": string}}',
    },
  })
  answer: QerkoReplyV1['answer'];

  @IsISO8601({ strict: true })
  at: string;
}

/**
 * The PostgreSQL notification channel on which fan-out also offers a POS's synchronous answer, as the same
 * QerkoReplyV1 (its JSON, when it fits a notification: QERKO_ANSWER_OFFER_MAX_BYTES), the moment it has it: the bridge
 * instance whose webhook request waits for that answer answers Qerko at once instead of after the record on
 * `gateway.qerko-replies.v1` is consumed and stored. That record stays the hand-over that is never lost; a
 * notification may be (nobody listening), and an offer nobody waits for is ignored. An offer names the request by
 * its source and uuid (`sourceId` is required on this channel).
 */
export const QERKO_ANSWER_OFFERS_CHANNEL = 'qerko_answer_offered';
/** PostgreSQL's limit on a notification's payload is 8000 bytes; a larger answer goes by the record alone. */
export const QERKO_ANSWER_OFFER_MAX_BYTES = 7999;

/** A record of `gateway.qerko-replies.v1` (or an offer on QERKO_ANSWER_OFFERS_CHANNEL) as the reply, or why not. */
export function readQerkoReply(value: Buffer | null): QerkoReplyV1 | string {
  return readMessage(
    value,
    QerkoReplyV1Message,
    ['schema', 'tenantId', 'sourceId', 'uuid', 'answer', 'at'],
    QERKO_REPLY_SCHEMA,
  );
}

/** Reads a POS's answer (`{"result"}` or `{"error": {code, message}}`) from a delivery's response body. */
export function parseQerkoAnswer(body: unknown): QerkoReplyV1['answer'] | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const record = body as Record<string, unknown>;
  if ('error' in record) {
    const error = record['error'] as Record<string, unknown> | null;
    if (
      error &&
      typeof error === 'object' &&
      typeof error['code'] === 'string' &&
      typeof error['message'] === 'string'
    ) {
      return { error: { code: error['code'], message: error['message'] } };
    }
    return null;
  }
  return 'result' in record ? { result: record['result'] } : null;
}
