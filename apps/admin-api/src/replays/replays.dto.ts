import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsString } from 'class-validator';
import { IsInstant, IsOmittable } from '@gateway/contracts';
import { CheckedBy } from '@gateway/http';
import { ReplayRules } from './replay.rules';

@CheckedBy(ReplayRules)
export class CreateReplayDto {
  @ApiProperty({
    format: 'date-time',
    example: '2026-06-11T00:00:00.000Z',
    description:
      "Events received at or after; not before the tenant's retention (the start of the UTC day `retentionDays` days ago)",
  })
  @IsInstant()
  since: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Events received before (default: now)' })
  @IsOmittable()
  @IsInstant()
  until?: string;

  @ApiPropertyOptional({
    example: ['kaynko.sale.*'],
    description: "Types to replay (default: the endpoint's subscriptions)",
  })
  @IsOmittable()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsString({ each: true })
  eventTypes?: string[];
}

export class ReplayResponse {
  @ApiProperty({ example: 'rpl_0Hc3bQ2xk9aBcDeFgHjKmNpQr' }) id: string;
  @ApiProperty() endpointId: string;
  @ApiProperty({
    enum: ['scheduling', 'delivering', 'completed'],
    description:
      'scheduling: deliveries are being created; delivering: all created, some not finished; completed: every one succeeded or failed.',
  })
  status: string;
  @ApiProperty({ format: 'date-time' }) since: string;
  @ApiProperty({ format: 'date-time' }) until: string;
  @ApiProperty({ type: [String] }) eventTypes: string[];
  @ApiProperty({
    description:
      "Events of the window and types when the replay was created (before the endpoint's filter, which `scheduled` honours)",
  })
  total: number;
  @ApiProperty({ description: "Deliveries created so far (throttled): the events the endpoint's filter accepts" })
  scheduled: number;
  @ApiProperty() succeeded: number;
  @ApiProperty() failed: number;
  @ApiProperty({ description: '0…1: deliveries finished (succeeded or failed) out of total; 1 exactly at completed' })
  progress: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) completedAt: string | null;
}
