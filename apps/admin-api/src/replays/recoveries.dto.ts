import { ApiProperty } from '@nestjs/swagger';
import { IsInstant } from '@gateway/contracts';

export class RecoverDto {
  @ApiProperty({
    format: 'date-time',
    example: '2026-06-11T08:00:00.000Z',
    description: 'Deliveries created at or after this instant that finally failed are attempted again.',
  })
  @IsInstant()
  since: string;
}

export class RecoveryResponse {
  @ApiProperty({ example: 'rcv_0Hc3bQ2xk9aBcDeFgHjKmNpQr' }) id: string;
  @ApiProperty() endpointId: string;
  @ApiProperty({ format: 'date-time' }) since: string;
  @ApiProperty({
    enum: ['delivering', 'completed'],
    description:
      'delivering: some recovered deliveries are still being attempted; completed: every one succeeded or failed.',
  })
  status: 'delivering' | 'completed';
  @ApiProperty({ description: 'Failed deliveries found and scheduled again.' }) total: number;
  @ApiProperty() succeeded: number;
  @ApiProperty({ description: 'Failed again, after their retries.' }) failed: number;
  @ApiProperty({ description: '0…1: recovered deliveries finished out of total; 1 exactly at completed' })
  progress: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}
