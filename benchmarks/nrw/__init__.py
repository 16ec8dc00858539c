"""NRW-scale data for the page benchmarks: the demo world, grown to 2,000 organisations and
ten fiscal years (:mod:`.builder`), bulk-loaded with COPY or Piccolo inserts (:mod:`.load`)."""
