import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { EndpointEntity } from '@gateway/persistence';

@Injectable()
export class FanoutEndpointsRepository {
  constructor(@InjectRepository(EndpointEntity) private readonly endpoints: Repository<EndpointEntity>) {}

  findAll(): Promise<EndpointEntity[]> {
    return this.endpoints.find();
  }

  findById(id: string): Promise<EndpointEntity | null> {
    return this.endpoints.findOneBy({ id });
  }

  /** The gateway disables an endpoint itself (410 Gone, or failing for days); returns false if already disabled. */
  async disable(id: string, reason: string): Promise<boolean> {
    const result = await this.endpoints.update({ id, enabled: true }, { enabled: false, disabledReason: reason });
    return (result.affected ?? 0) > 0;
  }
}
