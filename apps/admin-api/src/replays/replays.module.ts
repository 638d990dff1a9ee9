import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EndpointEntity } from '@gateway/persistence';
import { EndpointsRepository } from '../endpoints/endpoints.repository';
import { ReplaysController } from './replays.controller';
import { ReplaysRepository } from './replays.repository';
import { ReplaysService } from './replays.service';
import { ReplayRules } from './replay.rules';
import { RecoveriesRepository } from './recoveries.repository';
import { RecoveriesService } from './recoveries.service';

@Module({
  imports: [TypeOrmModule.forFeature([EndpointEntity])],
  controllers: [ReplaysController],
  providers: [
    ReplaysService,
    ReplaysRepository,
    RecoveriesService,
    RecoveriesRepository,
    EndpointsRepository,
    ReplayRules,
  ],
})
export class ReplaysModule {}
