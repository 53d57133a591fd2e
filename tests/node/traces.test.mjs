// The OpenTelemetry JS SDK's trace exporters (gRPC, http/protobuf, http/json) against loupe:
// nested spans come back by trace ID through Tempo's v1 and v2 APIs in the shapes Grafana and
// Tempo clients parse, and are found by the legacy tag search and by TraceQL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { trace, ROOT_CONTEXT, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { startLoupe, getJson, eventually } from './lib/loupe.mjs';

let loupe;
before(async () => { loupe = await startLoupe(['--self-scrape-interval', '0']); });
after(async () => { await loupe?.stop(); });

const q = encodeURIComponent;

// root SERVER "GET /orders" -> CLIENT "SELECT orders" (db.system) -> INTERNAL "parse rows"
// (an event, status ERROR). Returns the spans' contexts.
async function emit(exporter, service) {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.version': '1.0.0' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('orders-tracer', '2.1.0');
  const root = tracer.startSpan('GET /orders', {
    kind: SpanKind.SERVER,
    attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200, 'http.route': '/orders' },
  }, ROOT_CONTEXT);
  const ctx1 = trace.setSpan(ROOT_CONTEXT, root);
  const db = tracer.startSpan('SELECT orders', { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql' } }, ctx1);
  const ctx2 = trace.setSpan(ctx1, db);
  const parse = tracer.startSpan('parse rows', { kind: SpanKind.INTERNAL }, ctx2);
  parse.addEvent('rows parsed', { 'rows.count': 3 });
  parse.setStatus({ code: SpanStatusCode.ERROR, message: 'bad row' });
  parse.end();
  db.end();
  root.end();
  await provider.forceFlush();
  await provider.shutdown();
  return { root: root.spanContext(), db: db.spanContext(), parse: parse.spanContext() };
}

function spansOf(batches) {
  const out = [];
  for (const rs of batches ?? []) {
    const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value?.stringValue;
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) out.push({ ...s, service, scope: ss.scope });
    }
  }
  return out;
}

function sameId(a, b) {
  // Tempo may print a search result's trace id without leading zeros.
  return a === b || a === b.replace(/^0+/, '');
}

for (const [name, make] of [
  ['grpc', () => new GrpcExporter({ url: `http://${loupe.otlp_grpc}` })],
  ['http/protobuf', () => new ProtoExporter({ url: `http://${loupe.otlp_http}/v1/traces` })],
  ['http/json', () => new JsonExporter({ url: `http://${loupe.http}/v1/traces` })],
]) {
  test(`traces over ${name} come back by ID, by tags and by TraceQL`, async () => {
    const service = `orders-${name.replace('/', '-')}`;
    const ids = await emit(make(), service);
    const traceId = ids.root.traceId;

    // v1: {"batches":[...]}, OTLP JSON with hex ids and enum names.
    const v1 = await eventually(async () => {
      const r = await fetch(`http://${loupe.http}/api/traces/${traceId}`);
      return r.ok ? r.json() : null;
    });
    assert.ok(v1, `trace ${traceId} not found`);
    assert.ok(Array.isArray(v1.batches), JSON.stringify(v1));
    const spans = spansOf(v1.batches);
    assert.equal(spans.length, 3, JSON.stringify(v1));
    const byName = Object.fromEntries(spans.map((s) => [s.name, s]));
    const root = byName['GET /orders'];
    assert.equal(root.traceId, traceId);
    assert.equal(root.spanId, ids.root.spanId);
    assert.equal(root.parentSpanId, undefined);
    assert.equal(root.kind, 'SPAN_KIND_SERVER');
    assert.equal(root.service, service);
    assert.equal(root.scope.name, 'orders-tracer');
    assert.equal(root.scope.version, '2.1.0');
    assert.match(root.startTimeUnixNano, /^\d+$/);
    assert.deepEqual(root.attributes.find((a) => a.key === 'http.response.status_code').value, { intValue: '200' });
    assert.equal(byName['SELECT orders'].parentSpanId, ids.root.spanId);
    assert.equal(byName['SELECT orders'].kind, 'SPAN_KIND_CLIENT');
    const parse = byName['parse rows'];
    assert.equal(parse.parentSpanId, ids.db.spanId);
    assert.deepEqual(parse.status, { message: 'bad row', code: 'STATUS_CODE_ERROR' });
    assert.equal(parse.events[0].name, 'rows parsed');
    assert.deepEqual(parse.events[0].attributes[0], { key: 'rows.count', value: { intValue: '3' } });

    // v2: {"trace":{"resourceSpans":[...]},"metrics":{...}}, and protobuf on request.
    const v2 = await getJson(loupe.http, `/api/v2/traces/${traceId}`);
    assert.equal(spansOf(v2.trace.resourceSpans).length, 3);
    assert.equal(v2.status, undefined, 'a complete trace has no status field');
    const pb = await fetch(`http://${loupe.tempo}/api/v2/traces/${traceId}`, { headers: { Accept: 'application/protobuf' } });
    assert.equal(pb.status, 200);
    assert.equal(pb.headers.get('content-type'), 'application/protobuf');
    // tempopb.TraceByIDResponse: field 1 (trace) first, holding every span id as raw bytes.
    const bytes = Buffer.from(await pb.arrayBuffer());
    assert.equal(bytes[0], 0x0a, 'field 1, length-delimited: the trace');
    for (const c of [ids.root, ids.db, ids.parse]) {
      assert.ok(bytes.includes(Buffer.from(c.spanId, 'hex')), `span ${c.spanId} in the protobuf body`);
    }

    // Legacy tag search (Grafana's "Search" tab).
    const tags = await getJson(loupe.http, `/api/search?tags=${q(`service.name="${service}"`)}&limit=20`);
    const hit = tags.traces.find((t) => sameId(t.traceID, traceId));
    assert.ok(hit, JSON.stringify(tags));
    assert.equal(hit.rootServiceName, service);
    assert.equal(hit.rootTraceName, 'GET /orders');
    assert.match(hit.startTimeUnixNano, /^\d+$/);

    // TraceQL, with start/end in unix seconds as Grafana sends them.
    const now = Math.floor(Date.now() / 1000);
    const tql = `{ resource.service.name = "${service}" && span.db.system = "postgresql" }`;
    const found = await getJson(loupe.http, `/api/search?q=${q(tql)}&limit=20&spss=3&start=${now - 3600}&end=${now + 60}`);
    const t = found.traces.find((x) => sameId(x.traceID, traceId));
    assert.ok(t, JSON.stringify(found));
    assert.equal(t.spanSets[0].spans.length, 1);
    assert.equal(t.spanSets[0].spans[0].spanID, ids.db.spanId);
    assert.equal(t.spanSets[0].matched, 1);

    // Autocomplete as Grafana's TraceQL editor asks for it.
    const values = await getJson(loupe.http, `/api/v2/search/tag/${q('resource.service.name')}/values`);
    assert.ok(values.tagValues.some((v) => v.type === 'string' && v.value === service), JSON.stringify(values));
  });
}

test('Grafana data source probes: echo, buildinfo, tags', async () => {
  const echo = await fetch(`http://${loupe.tempo}/api/echo`);
  assert.equal(echo.status, 200);
  assert.equal(await echo.text(), 'echo');
  const bi = await getJson(loupe.tempo, '/api/status/buildinfo');
  assert.ok(bi.version);
  const tags = await getJson(loupe.tempo, '/api/v2/search/tags?limit=5000');
  assert.ok(Array.isArray(tags.scopes));
});

test('a bad OTLP trace body is a 400 with a google.rpc.Status in the request content type', async () => {
  const res = await fetch(`http://${loupe.otlp_http}/v1/traces`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"nothex","spanId":"0102030405060708"}]}]}]}',
  });
  assert.equal(res.status, 400);
  const body = await res.json();
  assert.equal(body.code, 3);
  assert.match(body.message, /traceId/);
  const missing = await fetch(`http://${loupe.http}/api/traces/0123456789abcdef0123456789abcdef`);
  assert.equal(missing.status, 404);
});
