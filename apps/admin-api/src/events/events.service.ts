import { Injectable } from '@nestjs/common';
import { ApiError } from '@gateway/http';
import type { VisibleEndpoints } from '../auth/auth.decorators';
import { EventEntity } from '@gateway/persistence';
import { presentDelivery } from '../deliveries/deliveries.service';
import { DeliveryResponse } from '../deliveries/deliveries.dto';
import { iso } from '../common/iso';
import { Page, decodeCursor, pageLimit, toPage } from '../common/pagination';
import { csvLine } from './csv';
import { EventResponse, EventsFilter, EventsQuery } from './events.dto';
import { EventsRepository } from './events.repository';

const CSV_COLUMNS = ['id', 'type', 'provider', 'sourceId', 'receivedAt', 'occurredAt', 'data'];

@Injectable()
export class EventsService {
  constructor(private readonly events: EventsRepository) {}

  /** `visible`: only events delivered (or being delivered) to those endpoints, and only those deliveries. */
  async list(tenantId: string, query: EventsQuery, visible: VisibleEndpoints = null): Promise<Page<EventResponse>> {
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor, ['instant', 'id']);
    const rows = await this.events.list(tenantId, query, limit + 1, after, visible);
    return toPage(rows, limit, present, (e) => [e.receivedAt.toISOString(), e.id]);
  }

  async get(
    tenantId: string,
    id: string,
    visible: VisibleEndpoints = null,
  ): Promise<EventResponse & { deliveries: DeliveryResponse[] }> {
    const event = await this.events.findForTenant(tenantId, id);
    const deliveries = event ? await this.events.deliveriesOf(event) : [];
    const shown = visible ? deliveries.filter((d) => visible.includes(d.endpointId)) : deliveries;
    if (!event || (visible && !shown.length)) {
      // A session limited to some endpoints is not told about events it cannot see, expired or not.
      if (!visible && (await this.events.wasExpired(tenantId, id))) {
        throw new ApiError(404, 'expired', `Event ${id} is past this tenant's retention and was removed.`);
      }
      throw ApiError.notFound('Event');
    }
    return { ...present(event), deliveries: shown.map(presentDelivery) };
  }

  /**
   * The filtered events as CSV lines, read from the database in chunks. The header comes with the first chunk, so a
   * query that fails at once fails before a byte is sent (and is answered as an error, not as an empty file).
   */
  async *exportCsv(tenantId: string, filter: EventsFilter, visible: VisibleEndpoints = null): AsyncGenerator<string> {
    let header = csvLine(CSV_COLUMNS);
    for await (const rows of this.events.stream(tenantId, filter, visible)) {
      yield (
        header +
        rows
          .map((e) =>
            csvLine([
              e.id,
              e.type,
              e.provider,
              e.sourceId,
              iso(e.receivedAt),
              iso(e.occurredAt),
              JSON.stringify(e.data),
            ]),
          )
          .join('')
      );
      header = '';
    }
    if (header) yield header;
  }
}

function present(e: EventEntity): EventResponse {
  return {
    id: e.id,
    type: e.type,
    provider: e.provider,
    sourceId: e.sourceId,
    receivedAt: iso(e.receivedAt)!,
    occurredAt: iso(e.occurredAt),
    data: e.data,
  };
}
