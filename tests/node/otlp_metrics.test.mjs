// OpenTelemetry JS SDK metrics exporters (gRPC, http/protobuf, http/json) against loupe: the
// series must appear under the names Prometheus's OTLP receiver would give them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPMetricExporter as GrpcExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPMetricExporter as JsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { startLoupe, getJson, eventually } from './lib/loupe.mjs';

let loupe;
before(async () => { loupe = await startLoupe(); });
after(async () => { await loupe?.stop(); });

async function exportWith(exporter, service) {
  const provider = new MeterProvider({
    resource: resourceFromAttributes({
      'service.name': service,
      'service.namespace': 'shop',
      'service.instance.id': 'instance-1',
      'deployment.environment': 'test',
    }),
    readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60000 })],
  });
  const meter = provider.getMeter('checkout-meter', '1.2.3');
  const requests = meter.createCounter('http.server.requests', { description: 'Requests served.' });
  const duration = meter.createHistogram('http.server.request.duration', { unit: 's', description: 'Latency.' });
  const inflight = meter.createUpDownCounter('http.server.active_requests');
  requests.add(3, { 'http.route': '/cart', 'http.response.status_code': 200 });
  requests.add(1, { 'http.route': '/cart', 'http.response.status_code': 500 });
  for (const v of [0.002, 0.03, 0.4, 1.7]) duration.record(v, { 'http.route': '/cart' });
  inflight.add(2);
  await provider.forceFlush();
  await provider.shutdown();
}

async function seriesOf(job) {
  const r = await getJson(loupe.http, `/api/v1/series?match[]=${encodeURIComponent(`{job="${job}"}`)}`);
  return r.data;
}

for (const [name, make] of [
  ['grpc', () => new GrpcExporter({ url: `http://${loupe.otlp_grpc}` })],
  ['http/protobuf', () => new ProtoExporter({ url: `http://${loupe.otlp_http}/v1/metrics` })],
  ['http/json', () => new JsonExporter({ url: `http://${loupe.otlp_http}/v1/metrics` })],
]) {
  test(`metrics over ${name} arrive with Prometheus names and labels`, async () => {
    const service = `svc-${name.replace('/', '-')}`;
    const job = `shop/${service}`;
    await exportWith(make(), service);
    const series = await eventually(async () => {
      const s = await seriesOf(job);
      return s.length >= 8 ? s : null;
    });
    assert.ok(series, `no series for job ${job}`);
    const names = new Set(series.map((s) => s.__name__));
    assert.ok(names.has('http_server_requests_total'), [...names].join(','));
    assert.ok(names.has('http_server_request_duration_seconds_bucket'), [...names].join(','));
    assert.ok(names.has('http_server_request_duration_seconds_sum'));
    assert.ok(names.has('http_server_request_duration_seconds_count'));
    assert.ok(names.has('http_server_active_requests'), 'non-monotonic sum is a gauge without _total');
    const ok = series.find((s) => s.__name__ === 'http_server_requests_total' && s.http_response_status_code === '200');
    assert.ok(ok, JSON.stringify(series));
    assert.equal(ok.instance, 'instance-1');
    assert.equal(ok.http_route, '/cart');
    const buckets = series.filter((s) => s.__name__ === 'http_server_request_duration_seconds_bucket');
    assert.ok(buckets.some((s) => s.le === '+Inf'));
    const info = (await getJson(loupe.http, `/api/v1/series?match[]=${encodeURIComponent(`target_info{job="${job}"}`)}`)).data;
    assert.equal(info.length, 1);
    assert.equal(info[0].deployment_environment, 'test');
    const md = (await getJson(loupe.http, '/api/v1/metadata?metric=http_server_request_duration_seconds')).data;
    assert.equal(md.http_server_request_duration_seconds?.[0]?.type, 'histogram');
  });
}

test('a bad OTLP body is a 400 with a google.rpc.Status in the request content type', async () => {
  const res = await fetch(`http://${loupe.otlp_http}/v1/metrics`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"resourceMetrics": 7}',
  });
  assert.equal(res.status, 400);
  const body = await res.json();
  assert.equal(body.code, 3);
  assert.match(body.message, /resourceMetrics/);
  const bad = await fetch(`http://${loupe.otlp_http}/v1/metrics`, {
    method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x',
  });
  assert.equal(bad.status, 415);
});
