import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { QerkoRequestEntity } from '@gateway/persistence';
import { QerkoRequestsController } from './qerko-requests.controller';
import { QerkoRequestsService } from './qerko-requests.service';

@Module({
  imports: [TypeOrmModule.forFeature([QerkoRequestEntity])],
  controllers: [QerkoRequestsController],
  providers: [QerkoRequestsService],
})
export class QerkoRequestsModule {}
