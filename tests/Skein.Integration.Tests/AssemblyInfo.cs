// The tests start many real processes; running them one at a time keeps a 2-core machine responsive
// and lets the demo tests own the demo's fixed loopback ports.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
