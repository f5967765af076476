using System.Runtime.CompilerServices;

// The codec's framing and HPACK internals are tested directly against the RFC vectors.
[assembly: InternalsVisibleTo("Skein.Hbone.Tests")]
