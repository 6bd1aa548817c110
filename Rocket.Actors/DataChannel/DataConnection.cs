using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Rocket.Serialization;

namespace Rocket.DataChannel;

/// <summary>
/// One data channel connection, either end: a read loop that decodes frames and hands each message to
/// <c>onMessage</c> (an actor's Tell), then tells <c>onReadDone</c> that one socket read's frames are all handed over,
/// and a write loop that drains the outbox into pooled buffers, many frames per socket write. It owns no actor state, so the actor that owns it only posts to it and hears back by messages.
/// The first failure (peer gone, bad frame, local close) closes the socket and is reported once to <c>onClosed</c>.
/// </summary>
internal sealed class DataConnection
{
    /// <summary>A socket write carries up to this much when frames are queued (more only for a single larger frame).</summary>
    private const int WriteBatchBytes = 256 << 10;

    private const int ReadBufferBytes = 64 << 10;

    private readonly Socket _socket;
    private readonly bool _sendHello;
    private readonly bool _expectHello;
    private readonly Action<object> _onMessage;
    private readonly Action<string> _onClosed;
    private readonly Action? _onReadDone;
    private readonly Channel<object> _outbox = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly NameCache _names = new();
    private int _closed;

    /// <param name="socket">A connected socket; this connection disposes it.</param>
    /// <param name="isClient">The client writes <see cref="DataFrames.Hello"/> first; the broker checks it.</param>
    /// <param name="onMessage">Called on the read loop's thread for each decoded message.</param>
    /// <param name="onClosed">Called once with why the connection ended.</param>
    /// <param name="onReadDone">Called on the read loop's thread after the messages of one socket read, so that what
    /// arrived together can be handed on together.</param>
    public DataConnection(Socket socket, bool isClient, Action<object> onMessage, Action<string> onClosed, Action? onReadDone = null)
    {
        _socket = socket;
        _sendHello = isClient;
        _expectHello = !isClient;
        _onMessage = onMessage;
        _onClosed = onClosed;
        _onReadDone = onReadDone;
        socket.NoDelay = true;
    }

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    public void Start()
    {
        _ = ReadLoopAsync();
        _ = WriteLoopAsync();
    }

    /// <summary>Queues a message for the write loop; false once the connection is closed (nothing was queued).</summary>
    public bool Post(object message) => !IsClosed && _outbox.Writer.TryWrite(message);

    public void Close(string reason)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        _outbox.Writer.TryComplete();
        try { _socket.Shutdown(SocketShutdown.Both); } catch (Exception) { /* already reset or not connected */ }
        _socket.Dispose();
        _onClosed(reason);
    }

    private async Task WriteLoopAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(WriteBatchBytes);
        try
        {
            int used = 0;
            if (_sendHello)
            {
                DataFrames.Hello.CopyTo(buffer);
                used = DataFrames.Hello.Length;
            }
            var reader = _outbox.Reader;
            object? next = null;
            while (true)
            {
                if (next is null && used == 0)
                {
                    if (!await reader.WaitToReadAsync().ConfigureAwait(false)) return;
                    if (!reader.TryRead(out next)) continue;
                }
                used = Fill(reader, ref buffer, used, ref next);
                for (int sent = 0; sent < used;)
                    sent += await _socket.SendAsync(buffer.AsMemory(sent, used - sent), SocketFlags.None).ConfigureAwait(false);
                used = 0;
                if (buffer.Length > WriteBatchBytes)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent(WriteBatchBytes);
                }
            }
        }
        catch (Exception e)
        {
            Close(Describe("writing", e));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task ReadLoopAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ReadBufferBytes);
        try
        {
            int start = 0, end = 0;
            bool greeted = !_expectHello;
            while (true)
            {
                int read = await _socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None).ConfigureAwait(false);
                if (read == 0)
                {
                    Close("closed by the other side");
                    return;
                }
                end += read;
                if (!greeted)
                {
                    if (end < DataFrames.Hello.Length) continue;
                    if (!buffer.AsSpan(0, DataFrames.Hello.Length).SequenceEqual(DataFrames.Hello))
                    {
                        Close($"the peer is not a Rocket data channel client of this version (it opened with {Convert.ToHexString(buffer, 0, DataFrames.Hello.Length)})");
                        return;
                    }
                    start = DataFrames.Hello.Length;
                    greeted = true;
                }
                start = HandOnFrames(buffer, start, end);
                if (start < 0) return;
                _onReadDone?.Invoke();
                if (start == end)
                {
                    start = end = 0;
                    if (buffer.Length > ReadBufferBytes) // a large frame passed: give its buffer back
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = ArrayPool<byte>.Shared.Rent(ReadBufferBytes);
                    }
                    continue;
                }
                // A partial frame: make room for the rest of it at the buffer's end.
                int needed = end - start >= DataFrames.LengthSize
                    ? DataFrames.LengthSize + BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(start))
                    : DataFrames.LengthSize;
                if (start + needed > buffer.Length)
                {
                    var target = needed > buffer.Length ? ArrayPool<byte>.Shared.Rent(needed) : buffer;
                    Buffer.BlockCopy(buffer, start, target, 0, end - start);
                    if (!ReferenceEquals(target, buffer)) ArrayPool<byte>.Shared.Return(buffer);
                    buffer = target;
                    end -= start;
                    start = 0;
                }
            }
        }
        catch (Exception e)
        {
            Close(Describe("reading", e));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Takes every queued frame that fits into <paramref name="buffer"/>; a frame that does not waits in <paramref name="next"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Fill(ChannelReader<object> reader, ref byte[] buffer, int used, ref object? next)
    {
        while (next is not null || reader.TryRead(out next))
        {
            int size = DataFrames.SizeOf(next);
            if (used + size > buffer.Length)
            {
                if (used > 0) break;
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = ArrayPool<byte>.Shared.Rent(size);
            }
            DataFrames.Write(next, buffer.AsSpan(used, size));
            (next as EncodedPullResponse)?.Release(); // its bytes are in the write buffer now
            used += size;
            next = null;
        }
        return used;
    }

    /// <summary>Decodes and hands on the whole frames in buffer[start..end); the start of what is left, or -1 if a bad frame closed the connection.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int HandOnFrames(byte[] buffer, int start, int end)
    {
        while (end - start >= DataFrames.LengthSize)
        {
            int length = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(start));
            if (length < 1 || length > DataFrames.MaxFrameBytes - DataFrames.LengthSize)
            {
                Close($"a frame claimed {length} bytes (the limit is {DataFrames.MaxFrameBytes})");
                return -1;
            }
            if (end - start - DataFrames.LengthSize < length) break;
            _onMessage(DataFrames.Read(buffer.AsSpan(start + DataFrames.LengthSize, length), _names));
            start += DataFrames.LengthSize + length;
        }
        return start;
    }

    private string Describe(string doing, Exception e) => IsClosed
        ? "closed"
        : e switch
        {
            SocketException s => $"socket error while {doing}: {s.SocketErrorCode} ({s.Message})",
            ObjectDisposedException => "closed",
            System.Runtime.Serialization.SerializationException s => $"bad frame while {doing}: {s.Message}",
            _ => $"{e.GetType().Name} while {doing}: {e.Message}",
        };
}
