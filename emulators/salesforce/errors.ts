// Salesforce-shaped failures. REST answers `[{"message","errorCode","fields"}]` with a status;
// collections report the same error per record as `{statusCode, message, fields}`.
export class SfError extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
    readonly fields: string[] = [],
    readonly status = 400,
  ) {
    super(message);
  }

  body(): Array<{ message: string; errorCode: string; fields?: string[] }> {
    return [{ message: this.message, errorCode: this.errorCode, fields: this.fields }];
  }

  recordError(): { statusCode: string; message: string; fields: string[] } {
    return { statusCode: this.errorCode, message: this.message, fields: this.fields };
  }
}

export const notFound = (): SfError =>
  new SfError('NOT_FOUND', 'The requested resource does not exist', [], 404);
