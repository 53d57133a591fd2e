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
import WebSocket from 'ws';
import { startLoupe, getJson, eventually } from './lib/loupe.mjs';

let loupe;
before(async () => { loupe = await startLoupe(); });
after(async () => { await loupe?.stop(); });

const q = encodeURIComponent;

async function series(selector) {
  return (await getJson(loupe.http, `/loki/api/v1/series?match[]=${q(selector)}&start=0`)).data;
}
// Lines of a LogQL log query over the last hour, oldest first: [{stream, ts, line}].
async function logql(query) {
  const j = await getJson(loupe.http, `/loki/api/v1/query_range?query=${q(query)}&direction=forward&limit=1000`);
  assert.equal(j.status, 'success');
  assert.equal(j.data.resultType, 'streams');
  const out = [];
  for (const s of j.data.result) for (const [ts, line] of s.values) out.push({ stream: s.stream, ts, line });
  return out.sort((a, b) => (BigInt(a.ts) < BigInt(b.ts) ? -1 : 1));
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
  const errors = await logql('{app="winston-app", level="error"}');
  assert.equal(errors.length, 1, JSON.stringify(errors));
  assert.match(errors[0].line, /something failed/);
  const filtered = await logql('{app="winston-app"} |= "hello from winston"');
  assert.equal(filtered.length, 1, JSON.stringify(filtered));
  assert.equal(filtered[0].stream.component, 'checkout');
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
  // pino-loki sends the JSON record as the line and the level as a label, so the line's numeric
  // level comes out of `| json` as level_extracted.
  const careful = await logql('{app="pino-app"} | json | msg="careful"');
  assert.equal(careful.length, 1, JSON.stringify(careful));
  assert.equal(careful[0].stream.level_extracted, '40');
  const byUser = await logql('{app="pino-app"} | json | user="u1" | line_format "{{.msg}}"');
  assert.deepEqual(byUser.map((e) => e.line), ['hello from pino']);
  const counts = await getJson(loupe.http, `/loki/api/v1/query?query=${q('sum(count_over_time({app="pino-app"} | json | level_extracted >= 30 [1h]))')}`);
  assert.equal(counts.data.resultType, 'vector');
  assert.equal(counts.data.result[0].value[1], '2');
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
    // Severity and attributes are structured metadata: label filters without a parser.
    const errors = await logql(`{service_name="${service}"} | severity_text="ERROR"`);
    assert.deepEqual(errors.map((e) => e.line), ['payment failed']);
    const orders = await logql(`{service_name="${service}"} | order_id="o-1"`);
    assert.deepEqual(orders.map((e) => e.line), ['order placed']);
    // With Grafana's categorize-labels header the metadata sits beside the line.
    const r = await fetch(`http://${loupe.http}/loki/api/v1/query_range?query=${q(`{service_name="${service}"} | severity_text="ERROR"`)}`,
      { headers: { 'X-Loki-Response-Encoding-Flags': 'categorize-labels' } });
    const j = await r.json();
    assert.deepEqual(j.data.encodingFlags, ['categorize-labels']);
    assert.deepEqual(j.data.result[0].stream, { service_name: service, k8s_namespace_name: 'shop' });
    assert.equal(j.data.result[0].values[0][2].structuredMetadata.severity_text, 'ERROR');
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

test('live tail receives lines pushed after it connected', async () => {
  const ws = new WebSocket(`ws://${loupe.loki}/loki/api/v1/tail?query=${q('{app="node-tail"} |= "tick"')}`);
  const frames = [];
  ws.on('message', (data) => frames.push(JSON.parse(data.toString())));
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const ts = `${BigInt(Date.now()) * 1000000n}`;
  const push = await fetch(`http://${loupe.loki}/loki/api/v1/push`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ streams: [{ stream: { app: 'node-tail' }, values: [[ts, 'tick 1'], [ts, 'tock (filtered)']] }] }),
  });
  assert.equal(push.status, 204);
  const got = await eventually(async () => frames.find((f) => f.streams?.some((s) => s.values.some((v) => v[1] === 'tick 1'))));
  ws.close();
  assert.ok(got, `no tail frame with the pushed line: ${JSON.stringify(frames)}`);
  assert.deepEqual(got.streams, [{ stream: { app: 'node-tail' }, values: [[ts, 'tick 1']] }]);
});

test('Grafana data source calls: health check, metadata, drilldown and delete', async () => {
  const health = await getJson(loupe.http, `/loki/api/v1/query?query=${q('vector(1)+vector(1)')}&time=4`);
  assert.deepEqual(health.data.result, [{ metric: {}, value: [4, '2'] }]);

  const now = BigInt(Date.now()) * 1000000n;
  const lines = [['level=info msg=ok took=5ms', 3n], ['level=error msg=boom took=2s', 2n], ['level=info msg=ok took=7ms', 1n]];
  const push = await fetch(`http://${loupe.loki}/loki/api/v1/push`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ streams: [{ stream: { app: 'node-meta', namespace: 'ns1' },
      values: lines.map(([l, ago]) => [`${now - ago * 1000000000n}`, l]) }] }),
  });
  assert.equal(push.status, 204);
  const range = `start=${now - 60n * 1000000000n}&end=${now + 1000000000n}`;
  const sel = q('{app="node-meta"}');

  const labels = await getJson(loupe.http, `/loki/api/v1/detected_labels?query=${sel}&${range}`);
  assert.deepEqual(labels, { detectedLabels: [{ label: 'app', cardinality: 1 }, { label: 'namespace', cardinality: 1 }] });
  const fields = await getJson(loupe.http, `/loki/api/v1/detected_fields?query=${sel}&${range}&limit=1000`);
  assert.deepEqual(fields.fields.map((f) => [f.label, f.type, f.cardinality, f.parsers]),
    [['level', 'string', 2, ['logfmt']], ['msg', 'string', 2, ['logfmt']], ['took', 'duration', 3, ['logfmt']]]);
  const values = await getJson(loupe.http, `/loki/api/v1/detected_field/level/values?query=${sel}&${range}`);
  assert.deepEqual(values.values, ['error', 'info']);
  const patterns = await getJson(loupe.http, `/loki/api/v1/patterns?query=${sel}&${range}`);
  assert.equal(patterns.status, 'success');
  assert.ok(patterns.data.some((p) => p.pattern.includes('<_>')), JSON.stringify(patterns));
  const stats = await getJson(loupe.http, `/loki/api/v1/index/stats?query=${sel}&${range}`);
  assert.equal(stats.entries, 3);
  const vol = await getJson(loupe.http, `/loki/api/v1/index/volume?query=${sel}&${range}`);
  assert.equal(vol.data.resultType, 'vector');
  const pretty = await getJson(loupe.http, `/loki/api/v1/format_query?query=${q('{app="node-meta"}|="boom"')}`);
  assert.equal(pretty.data, '{app="node-meta"} |= "boom"');

  // Delete the error line: it disappears from queries at once.
  const endS = Math.floor(Date.now() / 1000);
  const del = await fetch(`http://${loupe.loki}/loki/api/v1/delete?query=${q('{app="node-meta"} |= "boom"')}&start=${endS - 600}&end=${endS}`, { method: 'POST' });
  assert.equal(del.status, 204, await del.text());
  const list = await getJson(loupe.http, '/loki/api/v1/delete');
  assert.equal(list.length, 1);
  assert.equal(list[0].status, 'received');
  const left = await logql('{app="node-meta"}');
  assert.deepEqual(left.map((e) => e.line), ['level=info msg=ok took=5ms', 'level=info msg=ok took=7ms']);
  const cancel = await fetch(`http://${loupe.loki}/loki/api/v1/delete?request_id=${list[0].request_id}`, { method: 'DELETE' });
  assert.equal(cancel.status, 204);
  assert.equal((await logql('{app="node-meta"}')).length, 3);
});
