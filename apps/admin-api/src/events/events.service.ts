import { Injectable } from '@nestjs/common';
import { saleSummaryOf } from '@gateway/contracts';
import { ApiError } from '@gateway/http';
import type { VisibleEndpoints } from '../auth/auth.decorators';
import { EventEntity } from '@gateway/persistence';
import { presentDelivery } from '../deliveries/deliveries.service';
import { DeliveryResponse } from '../deliveries/deliveries.dto';
import { iso } from '../common/iso';
import { Page, decodeCursor, pageLimit, toPage } from '../common/pagination';
import { csvLine } from './csv';
import { EventResponse, EventsExportQuery, EventsQuery } from './events.dto';
import { csvLayout } from './csv-layout';
import { EventsRepository } from './events.repository';

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
    const shownEvent = present(event);
    return { ...shownEvent, deliveries: shown.map((d) => presentDelivery(d, shownEvent.sale)) };
  }

  /**
   * The filtered events as CSV lines, read from the database in chunks, in the layout the query asks for
   * (csv-layout.ts). The header comes with the first chunk, so a query that fails at once fails before a byte is sent
   * (and is answered as an error, not as an empty file).
   */
  async *exportCsv(
    tenantId: string,
    query: EventsExportQuery,
    visible: VisibleEndpoints = null,
  ): AsyncGenerator<string> {
    const layout = csvLayout(query.type, query.rows);
    let header = (query.bom === 'true' ? '\uFEFF' : '') + csvLine(layout.header);
    for await (const rows of this.events.stream(tenantId, query, visible)) {
      yield header + rows.flatMap((e) => layout.lines(e).map(csvLine)).join('');
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
    sale: saleSummaryOf(e.type, e.data),
    data: e.data,
  };
}
