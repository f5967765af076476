// A demo, a control plane and headless Chromium per class: one class at a time keeps a 2-core machine responsive.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
