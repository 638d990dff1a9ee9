import { Injectable } from '@nestjs/common';
import { IdPrefix } from '@gateway/contracts';
import { ApiError } from '@gateway/http';
import { newId } from '@gateway/security';
import type { VisibleEndpoints } from '../auth/auth.decorators';
import { iso } from '../common/iso';
import { EndpointsRepository } from '../endpoints/endpoints.repository';
import { RecoverDto, RecoveryResponse } from './recoveries.dto';
import { RecoveriesRepository, Recovery, RecoveryOutcomes } from './recoveries.repository';

/**
 * Recovery after an outage: the endpoint's deliveries that finally failed since an instant are attempted again (the
 * same deliveries, not new ones: a replay sends events again; a recovery finishes what failed).
 */
@Injectable()
export class RecoveriesService {
  constructor(
    private readonly recoveries: RecoveriesRepository,
    private readonly endpoints: EndpointsRepository,
  ) {}

  async recover(tenantId: string, endpointId: string, dto: RecoverDto): Promise<RecoveryResponse> {
    if (!(await this.endpoints.findForTenant(tenantId, endpointId))) throw ApiError.notFound('Endpoint');
    const since = new Date(dto.since);
    if (since > new Date()) throw ApiError.validation([{ field: 'since', reason: 'must not be in the future' }]);
    const recovery = await this.recoveries.recover({ id: newId(IdPrefix.recovery), tenantId, endpointId, since });
    return present(recovery, { succeeded: 0, failed: 0 });
  }

  async get(tenantId: string, id: string, visible: VisibleEndpoints = null): Promise<RecoveryResponse> {
    const recovery = await this.recoveries.findForTenant(tenantId, id);
    if (!recovery || (visible && !visible.includes(recovery.endpointId))) throw ApiError.notFound('Recovery');
    return present(recovery, await this.recoveries.outcomes(id));
  }
}

function present(r: Recovery, outcomes: RecoveryOutcomes): RecoveryResponse {
  const finished = Math.min(outcomes.succeeded + outcomes.failed, r.total);
  return {
    id: r.id,
    endpointId: r.endpointId,
    since: iso(r.since)!,
    status: finished >= r.total ? 'completed' : 'delivering',
    total: r.total,
    succeeded: outcomes.succeeded,
    failed: outcomes.failed,
    progress: r.total ? finished / r.total : 1,
    createdAt: iso(r.createdAt)!,
  };
}
