import { IsDefined, IsObject, IsOptional, IsString, Matches, ValidateIf, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';

export class QerkoErrorDto {
  @IsString() code: string;
  @IsString() message: string;
}

/** The POS's asynchronous answer: `{uuid, result}` or `{uuid, error: {code, message}}`. */
export class QerkoReplyDto {
  @IsString()
  @Matches(/^[0-9A-Za-z-]{8,64}$/, { message: 'uuid must be the uuid of the Qerko request' })
  uuid: string;

  @ValidateIf((o: QerkoReplyDto) => o.error === undefined)
  @IsDefined({ message: 'result or error is required' })
  result?: unknown;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => QerkoErrorDto)
  error?: QerkoErrorDto;
}
