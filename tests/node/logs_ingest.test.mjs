// Real log clients against loupe: winston-loki (snappy protobuf push), pino-loki (JSON push) and
// the OpenTelemetry JS SDK's log exporters (gRPC, http/protobuf, http/json). Lines must arrive
// with the right stream labels, structured metadata and timestamps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import winston from 'winston';
import LokiTransport from 'winston-loki';
import pino from 'pino';
import { LoggerProvider, BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { startLoupe, getJson, eventually } from './lib/loupe.mjs';

let loupe;
before(async () => { loupe = await startLoupe(); });
after(async () => { await loupe?.stop(); });

const q = encodeURIComponent;

async function series(selector) {
  return (await getJson(loupe.http, `/loki/api/v1/series?match[]=${q(selector)}&start=0`)).data;
}
async function entries(selector) {
  const r = await fetch(`http://${loupe.http}/loki/api/v1/index/stats?query=${q(selector)}&start=0`);
  return (await r.json()).entries;
}

test('winston-loki pushes snappy protobuf with labels', async () => {
  const logger = winston.createLogger({
    transports: [new LokiTransport({
      host: `http://${loupe.loki}`,
      labels: { app: 'winston-app', env: 'test' },
      json: false,  // protobuf + snappy
      batching: false,
      onConnectionError: (e) => { throw e; },
    })],
  });
  logger.info('hello from winston', { labels: { component: 'checkout' } });
  logger.error('something failed');
  const n = await eventually(async () => (await entries('{app="winston-app"}')) >= 2 && true);
  assert.ok(n, 'entries did not arrive');
  const s = await series('{app="winston-app"}');
  assert.ok(s.some((x) => x.env === 'test' && x.level === 'info'), JSON.stringify(s));
});

test('pino-loki pushes JSON with labels', async () => {
  const transport = pino.transport({
    target: 'pino-loki',
    options: { host: `http://${loupe.loki}`, labels: { app: 'pino-app' }, batching: false },
  });
  const logger = pino(transport);
  logger.info({ user: 'u1' }, 'hello from pino');
  logger.warn('careful');
  const ok = await eventually(async () => (await entries('{app="pino-app"}')) >= 2);
  assert.ok(ok, 'pino entries did not arrive');
  transport.end();
});

for (const [name, make] of [
  ['grpc', () => new GrpcLogExporter({ url: `http://${loupe.otlp_grpc}` })],
  ['http/protobuf', () => new ProtoLogExporter({ url: `http://${loupe.otlp_http}/v1/logs` })],
  ['http/json', () => new JsonLogExporter({ url: `http://${loupe.http}/otlp/v1/logs` })],
]) {
  test(`OTLP logs over ${name} map like Loki's native OTLP endpoint`, async () => {
    const service = `logsvc-${name.replace('/', '-')}`;
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': service, 'k8s.namespace.name': 'shop', 'host.name': 'laptop' }),
      processors: [new BatchLogRecordProcessor({ exporter: make() })],
    });
    const logger = provider.getLogger('checkout-logger', '2.0.0');
    logger.emit({ body: 'order placed', severityText: 'INFO', severityNumber: 9, attributes: { 'order.id': 'o-1' } });
    logger.emit({ body: 'payment failed', severityText: 'ERROR', severityNumber: 17 });
    await provider.forceFlush();
    await provider.shutdown();
    const ok = await eventually(async () => (await entries(`{service_name="${service}"}`)) >= 2);
    assert.ok(ok, `no entries for ${service}`);
    const s = await series(`{service_name="${service}"}`);
    assert.equal(s.length, 1, JSON.stringify(s));
    assert.deepEqual(s[0], { service_name: service, k8s_namespace_name: 'shop' });
  });
}

test('Loki push rejects numeric JSON timestamps and bad label sets with 400', async () => {
  const bad = await fetch(`http://${loupe.loki}/loki/api/v1/push`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ streams: [{ stream: { app: 'x' }, values: [[1, 'numeric']] }] }),
  });
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /timestamp must be a string/);
  const old = await fetch(`http://${loupe.loki}/loki/api/v1/push`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ streams: [{ stream: { app: 'x' }, values: [['1000000000', 'from 1970']] }] }),
  });
  assert.equal(old.status, 400);
  assert.match(await old.text(), /timestamp too old/);
});
