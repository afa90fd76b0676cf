-- Print the latency percentiles bench/serve.py reads (wrk's own --latency has no p95).
done = function(summary, latency, requests)
  io.write(string.format("p95_ms=%.3f\n", latency:percentile(95) / 1000))
  io.write(string.format("p99_ms=%.3f\n", latency:percentile(99) / 1000))
end
