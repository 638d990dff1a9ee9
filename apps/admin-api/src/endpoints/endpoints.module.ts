import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EndpointEntity } from '@gateway/persistence';
import { EndpointsController } from './endpoints.controller';
import { EndpointsRepository } from './endpoints.repository';
import { EndpointsService } from './endpoints.service';
import { EndpointRules, TestEndpointRules } from './endpoint.rules';

@Module({
  imports: [TypeOrmModule.forFeature([EndpointEntity])],
  controllers: [EndpointsController],
  providers: [EndpointsService, EndpointsRepository, EndpointRules, TestEndpointRules],
})
export class EndpointsModule {}
