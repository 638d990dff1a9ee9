/**
 * The one error shape of every HTTP API of the gateway (ingest, admin-api, qerko-bridge).
 * `code` is stable and machine-readable; `message` is for people; `details` lists each bad field.
 */
export interface ErrorBody {
  error: {
    status: number;
    code: string;
    message: string;
    details?: FieldError[];
  };
}

export interface FieldError {
  /** Path of the field, e.g. `data.items[0].quantity`. */
  field: string;
  reason: string;
}
