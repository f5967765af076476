using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Skein.Core.Tests")]
