import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { call } from './http';
import { registerAdminApi } from './openapi-contract';

const error = { $ref: '#/components/schemas/ErrorResponse' };
const json = (schema: object) => ({ 'application/json': { schema } });

/** A small document in the admin API's style: a resource, a CSV export, the one error shape. */
const DOCUMENT = {
  openapi: '3.0.0',
  info: { title: 'contract check', version: '1' },
  paths: {
    '/v1/things/{id}': {
      get: {
        operationId: 'things_get',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          '200': { description: 'A thing', content: json({ $ref: '#/components/schemas/Thing' }) },
          '404': { description: 'None', content: json(error) },
          '429': {
            description: 'Slow down',
            headers: { 'Retry-After': { required: true, schema: { type: 'integer', minimum: 1 } } },
            content: json(error),
          },
        },
      },
      delete: {
        operationId: 'things_delete',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '204': { description: 'Gone' } },
      },
    },
    '/v1/things/export.csv': {
      get: {
        operationId: 'things_export',
        responses: { '200': { description: 'CSV', content: { 'text/csv': { schema: { type: 'string' } } } } },
      },
    },
  },
  components: {
    schemas: {
      Thing: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          at: { type: 'string', format: 'date-time' },
          problem: { nullable: true, allOf: [{ $ref: '#/components/schemas/Problem' }] },
        },
        required: ['id', 'at', 'problem'],
      },
      Problem: { type: 'object', properties: { class: { type: 'string' } }, required: ['class'] },
      ErrorResponse: {
        type: 'object',
        properties: {
          error: {
            type: 'object',
            properties: { status: { type: 'number' }, code: { type: 'string' }, message: { type: 'string' } },
            required: ['status', 'code', 'message'],
          },
        },
        required: ['error'],
      },
    },
  },
};

const notFound = { error: { status: 404, code: 'not_found', message: 'No such thing.' } };
const thing = { id: 't_1', at: '2026-06-11T14:30:00.000Z', problem: null };

/** The check must refuse what a generated client could not read, and only that. */
describe('admin answers checked against the served OpenAPI document (call → openapi-contract)', () => {
  let server: Server;
  let base: string;
  let answer: { status: number; headers?: Record<string, string>; body?: string };

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/docs-json') return void res.writeHead(200).end(JSON.stringify(DOCUMENT));
      const type = answer.body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' };
      res.writeHead(answer.status, { ...type, ...answer.headers }).end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    registerAdminApi(base);
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const answers = (status: number, body?: unknown, headers?: Record<string, string>) =>
    (answer = { status, headers, body: body === undefined ? undefined : JSON.stringify(body) });

  it('accepts documented answers: the schema, null for a nullable reference, 204 empty, CSV', async () => {
    answers(200, thing);
    await expect(call('GET', `${base}/v1/things/t_1`)).resolves.toMatchObject({ status: 200 });
    answers(200, { ...thing, problem: { class: 'timeout' } });
    await expect(call('GET', `${base}/v1/things/t_1`)).resolves.toMatchObject({ status: 200 });
    answers(204);
    await expect(call('DELETE', `${base}/v1/things/t_1`)).resolves.toMatchObject({ status: 204 });
    answers(200, undefined, { 'content-type': 'text/csv; charset=utf-8' });
    answer.body = 'id\nt_1\n';
    await expect(call('GET', `${base}/v1/things/export.csv`)).resolves.toMatchObject({ status: 200 });
    answers(429, { error: { status: 429, code: 'rate_limited', message: 'Later.' } }, { 'retry-after': '2' });
    await expect(call('GET', `${base}/v1/things/t_1`)).resolves.toMatchObject({ status: 429 });
  });

  it.each([
    [
      'a field the schema does not declare',
      200,
      { ...thing, extra: 1 },
      {},
      /must NOT have additional properties \(extra\)/,
    ],
    ['a field of the wrong type', 200, { ...thing, id: 1 }, {}, /body\/id must be string/],
    ['a missing required field', 200, { id: 't_1', at: thing.at }, {}, /must have required property 'problem'/],
    ['an instant that does not exist', 200, { ...thing, at: '2026-02-30T00:00:00Z' }, {}, /body\/at must match format/],
    ['a status the operation does not document', 500, notFound, {}, /does not document 500/],
    ['an error in another shape', 404, { message: 'nope' }, {}, /must have required property 'error'/],
    ['a required header missing', 429, { error: { status: 429, code: 'x', message: 'x' } }, {}, /Retry-After/],
    [
      'a header of the wrong type',
      429,
      { error: { status: 429, code: 'x', message: 'x' } },
      { 'retry-after': 'soon' },
      /header Retry-After\/value must be integer/,
    ],
  ])('refuses %s', async (_, status, body, headers, problem) => {
    answers(status, body, headers);
    await expect(call('GET', `${base}/v1/things/t_1`)).rejects.toThrow(problem);
  });

  it('refuses a media type the status does not document', async () => {
    answers(200, 'id');
    await expect(call('GET', `${base}/v1/things/export.csv`)).rejects.toThrow(/documents text\/csv for 200/);
  });

  it('wants an error in the one shape for a request that matches no operation', async () => {
    answers(405, { error: { status: 405, code: 'method_not_allowed', message: 'No.' } });
    await expect(call('PUT', `${base}/v1/things/t_1`)).resolves.toMatchObject({ status: 405 });
    answers(404, { message: 'nope' });
    await expect(call('GET', `${base}/v1/elsewhere`)).rejects.toThrow(/the error shape/);
    answers(200, thing);
    await expect(call('GET', `${base}/v1/elsewhere`)).rejects.toThrow(/no operation has this method and path/);
  });

  it('checks only the admin API: not its other pages, not other services', async () => {
    answers(200, { anything: true });
    await expect(call('GET', `${base}/health/ready`)).resolves.toMatchObject({ status: 200 });
    const other = createServer((_, res) => void res.writeHead(500).end('{}'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}/v1/things/t_1`;
      await expect(call('GET', url)).resolves.toMatchObject({ status: 500 });
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });
});
