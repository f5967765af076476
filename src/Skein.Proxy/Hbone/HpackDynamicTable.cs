namespace Skein.Proxy.Hbone;

/// <summary>The HPACK dynamic table (RFC 7541 §2.3.2, §4): a FIFO of fields bounded by octet size with eviction.</summary>
internal sealed class HpackDynamicTable
{
    /// <summary>Per-entry overhead the RFC adds to name and value lengths (§4.1).</summary>
    public const int EntryOverhead = 32;

    private (string Name, string Value, int Size)[] _entries = new (string, string, int)[16];
    private int _head;  // slot of the newest entry
    private int _count;

    public HpackDynamicTable(int maxSize) => MaxSize = maxSize;

    public int Count => _count;

    /// <summary>Current size in octets as the RFC counts it.</summary>
    public int Size { get; private set; }

    public int MaxSize { get; private set; }

    /// <summary>Returns the entry at a 1-based dynamic index (1 is the newest).</summary>
    public (string Name, string Value) Get(int index)
    {
        if (index < 1 || index > _count)
        {
            throw new HpackException($"dynamic table index {index} out of range");
        }
        var slot = (_head - (index - 1) + _entries.Length) % _entries.Length;
        return (_entries[slot].Name, _entries[slot].Value);
    }

    public void SetMaxSize(int maxSize)
    {
        MaxSize = maxSize;
        EvictTo(maxSize);
    }

    /// <summary>Inserts a field, evicting the oldest until it fits; a field larger than the table empties it (§4.4).</summary>
    public void Add(string name, string value)
    {
        var size = name.Length + value.Length + EntryOverhead;
        if (size > MaxSize)
        {
            EvictTo(0);
            return;
        }
        EvictTo(MaxSize - size);
        if (_count == _entries.Length)
        {
            Grow();
        }
        _head = (_head + 1) % _entries.Length;
        _entries[_head] = (name, value, size);
        _count++;
        Size += size;
    }

    private void EvictTo(int targetSize)
    {
        while (Size > targetSize && _count > 0)
        {
            var oldest = (_head - (_count - 1) + _entries.Length) % _entries.Length;
            Size -= _entries[oldest].Size;
            _entries[oldest] = default;
            _count--;
        }
    }

    private void Grow()
    {
        var bigger = new (string, string, int)[_entries.Length * 2];
        // Re-lay entries oldest-first from slot 0 so the newest lands at _count - 1.
        for (var i = 0; i < _count; i++)
        {
            bigger[i] = _entries[(_head - (_count - 1) + i + _entries.Length) % _entries.Length];
        }
        _entries = bigger;
        _head = _count - 1;
    }
}
