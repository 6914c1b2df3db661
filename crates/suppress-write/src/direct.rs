//! An output file written around the page cache where the file system allows it.
//!
//! Through the page cache, every byte of an output is copied into fresh page-cache pages,
//! which the kernel first zeroes whenever a write covers a new large folio only in part: at
//! 10M profiles, 435 MB copied and as much zeroed, up to 8% of a run's CPU time on a virtual
//! machine whose fresh pages are slow to touch (BENCHMARKS.md). Opened for direct I/O
//! (`O_DIRECT`), the disk takes the bytes from our own buffer instead: one copy into an
//! aligned buffer that is reused, and no page cache.
//!
//! Direct I/O wants the buffer's address, the length and the file offset aligned on the
//! disk's blocks, so only whole buffers of [`DIRECT_BYTES`] go that way, from offset 0 on. The
//! tail, and everything after the file system refuses direct I/O (tmpfs and some network file
//! systems do, at `fcntl` or at the first write), goes through the page cache as before
//! ([`WritebackFile`]). Either way the final fsync makes the file durable: direct I/O only
//! skips the cache, it promises nothing about the disk's own.

use std::fs::File;
use std::io::{self, Write};
use std::sync::mpsc;

use crate::writeback::WritebackFile;

/// Bytes per direct write: a multiple of every block size in use (4 KiB, 64 KiB), large enough
/// that the disk sees long writes.
const DIRECT_BYTES: usize = 8 << 20;

/// The alignment of the buffer's address: the largest logical block size of common disks.
const ALIGN: usize = 4096;

/// A buffer of [`DIRECT_BYTES`] at an address aligned on [`ALIGN`], in safe code: a vector
/// one alignment longer, used from its first aligned byte.
struct AlignedBuffer {
    memory: Vec<u8>,
    start: usize,
    len: usize,
}

impl AlignedBuffer {
    fn new() -> AlignedBuffer {
        let memory = vec![0u8; DIRECT_BYTES + ALIGN];
        let start = memory.as_ptr().align_offset(ALIGN);
        AlignedBuffer { memory, start, len: 0 }
    }

    /// Copies as much of `bytes` as fits; returns how much.
    fn push(&mut self, bytes: &[u8]) -> usize {
        let n = bytes.len().min(DIRECT_BYTES - self.len);
        let at = self.start + self.len;
        self.memory[at..at + n].copy_from_slice(&bytes[..n]);
        self.len += n;
        n
    }

    fn filled(&self) -> &[u8] {
        &self.memory[self.start..self.start + self.len]
    }
}

/// An output file: whole aligned buffers written with direct I/O, on a thread of its own,
/// while the file system takes them; the rest through the page cache.
///
/// A direct write returns once the disk has the bytes (about 5 ms per buffer here): on the
/// thread that appends the row groups it would idle that pool thread, so the buffers go to a
/// writer thread, [`BUFFERS`] of them in turn.
pub struct OutputFile {
    mode: Mode,
}

enum Mode {
    /// Through the page cache, on the caller's thread.
    Cached(WritebackFile),
    Direct(Box<Handover>),
}

/// Buffers in use at once per file: one filling, the others written or waiting to be.
const BUFFERS: usize = 3;

/// The caller's side of a direct file.
struct Handover {
    /// The buffer being filled.
    buffer: AlignedBuffer,
    /// Buffers made so far, up to [`BUFFERS`].
    made: usize,
    to_writer: mpsc::Sender<ToWriter>,
    /// Written buffers coming back for reuse, or the error that stopped the writer.
    from_writer: mpsc::Receiver<io::Result<AlignedBuffer>>,
    writer: std::thread::JoinHandle<io::Result<File>>,
}

enum ToWriter {
    Full(AlignedBuffer),
    /// The last bytes: write them, then give the file back.
    Tail(AlignedBuffer),
}

impl OutputFile {
    /// `file` is new and empty. Direct I/O is asked for here; where the file system refuses
    /// it, or no thread can be started, every write goes through the page cache.
    pub fn new(file: File) -> OutputFile {
        if set_direct(&file, true).is_err() {
            return OutputFile { mode: Mode::Cached(WritebackFile::new(file)) };
        }
        let Ok(clone) = file.try_clone() else {
            let _ = set_direct(&file, false);
            return OutputFile { mode: Mode::Cached(WritebackFile::new(file)) };
        };
        let (to_writer, inbox) = mpsc::channel();
        let (outbox, from_writer) = mpsc::channel();
        let disk = DiskWriter { file: WritebackFile::new(file), direct: true };
        match std::thread::Builder::new().name("suppress-output".into()).spawn(move || disk.run(inbox, outbox)) {
            Ok(writer) => OutputFile {
                mode: Mode::Direct(Box::new(Handover {
                    buffer: AlignedBuffer::new(),
                    made: 1,
                    to_writer,
                    from_writer,
                    writer,
                })),
            },
            Err(_) => {
                // The closure, and the file it held, are gone: write through the clone.
                let _ = set_direct(&clone, false);
                OutputFile { mode: Mode::Cached(WritebackFile::new(clone)) }
            }
        }
    }

    /// Writes the buffered tail through the page cache, and gives the file back for its fsync.
    pub fn finish(self) -> io::Result<File> {
        match self.mode {
            Mode::Cached(file) => Ok(file.into_inner()),
            Mode::Direct(handover) => {
                let Handover { buffer, to_writer, writer, .. } = *handover;
                // If the writer stopped, its error comes from the join.
                let _ = to_writer.send(ToWriter::Tail(buffer));
                writer.join().unwrap_or_else(|_| Err(io::Error::other("the output's writer thread panicked")))
            }
        }
    }
}

impl Handover {
    /// Sends the full buffer to the writer and takes an empty one.
    fn hand_over(&mut self) -> io::Result<()> {
        let next = if self.made < BUFFERS {
            self.made += 1;
            AlignedBuffer::new()
        } else {
            match self.from_writer.recv() {
                Ok(Ok(buffer)) => buffer,
                Ok(Err(e)) => return Err(e),
                Err(_) => return Err(writer_stopped()),
            }
        };
        let full = std::mem::replace(&mut self.buffer, next);
        self.to_writer.send(ToWriter::Full(full)).map_err(|_| self.why_stopped())
    }

    /// The error that stopped the writer, which it sent back before it ended.
    fn why_stopped(&self) -> io::Error {
        self.from_writer.try_iter().find_map(Result::err).unwrap_or_else(writer_stopped)
    }
}

fn writer_stopped() -> io::Error {
    io::Error::other("the output's writer thread stopped")
}

impl Write for OutputFile {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        match &mut self.mode {
            Mode::Cached(file) => file.write(bytes),
            Mode::Direct(handover) => {
                let n = handover.buffer.push(bytes);
                if handover.buffer.len == DIRECT_BYTES {
                    handover.hand_over()?;
                }
                Ok(n)
            }
        }
    }

    /// Hands the page cache what it holds; bytes kept for a direct write stay until the buffer
    /// is full or [`OutputFile::finish`]: an output is only read once it is complete.
    fn flush(&mut self) -> io::Result<()> {
        match &mut self.mode {
            Mode::Cached(file) => file.flush(),
            Mode::Direct(_) => Ok(()),
        }
    }
}

/// The writer thread's side: the file, and whether direct I/O is still on.
struct DiskWriter {
    file: WritebackFile,
    direct: bool,
}

impl DiskWriter {
    /// Writes the buffers of `inbox` in order, sending each back through `outbox` once written;
    /// the first error goes back instead, and ends the thread.
    fn run(
        mut self,
        inbox: mpsc::Receiver<ToWriter>,
        outbox: mpsc::Sender<io::Result<AlignedBuffer>>,
    ) -> io::Result<File> {
        for message in inbox {
            match message {
                ToWriter::Full(mut buffer) => {
                    if let Err(e) = self.write(buffer.filled()) {
                        let _ = outbox.send(Err(io::Error::new(e.kind(), e.to_string())));
                        return Err(e);
                    }
                    buffer.len = 0;
                    let _ = outbox.send(Ok(buffer));
                }
                ToWriter::Tail(buffer) => {
                    self.leave_direct()?;
                    self.file.write_all(buffer.filled())?;
                    return Ok(self.file.into_inner());
                }
            }
        }
        Err(io::Error::other("the output was dropped before it was complete"))
    }

    /// Writes a full buffer directly while the file system takes it; when it refuses (EINVAL, or
    /// EOPNOTSUPP from a file system that took the flag but has no direct writes),
    /// or writes only part (the offset is then unaligned), turns direct I/O off and writes the
    /// rest through the page cache.
    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        let mut written = 0;
        if self.direct {
            written = loop {
                match self.file.file().write(bytes) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) if matches!(e.raw_os_error(), Some(libc::EINVAL | libc::EOPNOTSUPP)) => break 0,
                    Err(e) => return Err(e),
                }
            };
            self.file.skip(written as u64);
            if written == bytes.len() {
                return Ok(());
            }
            self.leave_direct()?;
        }
        self.file.write_all(&bytes[written..])
    }

    /// Turns direct I/O off for the rest of the file, if it is on.
    fn leave_direct(&mut self) -> io::Result<()> {
        if self.direct {
            set_direct(self.file.file(), false)?;
            self.direct = false;
        }
        Ok(())
    }
}

/// Turns direct I/O on or off for `file`.
#[cfg(target_os = "linux")]
fn set_direct(file: &File, on: bool) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: fcntl with F_GETFL / F_SETFL takes a descriptor and integers and touches no memory
    // of ours; the descriptor belongs to `file`, open for both calls.
    let result = unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags < 0 {
            -1
        } else {
            let flags = if on { flags | libc::O_DIRECT } else { flags & !libc::O_DIRECT };
            libc::fcntl(fd, libc::F_SETFL, flags)
        }
    };
    if result < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn set_direct(_file: &File, on: bool) -> io::Result<()> {
    if on {
        Err(io::Error::from(io::ErrorKind::Unsupported))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Seek, SeekFrom};

    use super::*;

    /// Writes `sizes` pieces of a known sequence after what `file` holds, then reads them back.
    fn round_trip(file: File, sizes: &[usize]) -> Vec<u8> {
        let mut out = OutputFile::new(file);
        let mut expected = Vec::new();
        for (k, &size) in sizes.iter().enumerate() {
            let piece: Vec<u8> = (0..size).map(|i| (i * 31 + k * 7) as u8).collect();
            out.write_all(&piece).unwrap();
            expected.extend_from_slice(&piece);
        }
        out.flush().unwrap();
        let mut file = out.finish().unwrap();
        file.sync_all().unwrap();
        file.seek(SeekFrom::Start(0)).unwrap();
        let mut back = Vec::new();
        file.read_to_end(&mut back).unwrap();
        let skipped = back.len() - expected.len();
        assert!(back[skipped..] == expected[..], "the bytes differ");
        back.split_off(skipped)
    }

    const SIZES: [usize; 6] = [100, 8 << 20, 3 << 20, 1, 9 << 20, 12345];

    #[test]
    fn every_byte_in_order_across_direct_writes_and_the_tail() {
        // On the temporary directory's file system, with direct I/O or without.
        round_trip(tempfile::tempfile().unwrap(), &SIZES);
    }

    #[test]
    fn refused_direct_writes_fall_back_to_the_page_cache() {
        // A file whose offset is not aligned when the first buffer is full: a file system with
        // direct I/O refuses that write (EINVAL), one without never had it on; either way the
        // bytes must come out exact.
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(b"x").unwrap();
        let back = round_trip(file, &SIZES);
        assert_eq!(back.len(), SIZES.iter().sum::<usize>());
    }

    #[test]
    fn small_files_never_need_a_direct_write() {
        let file = tempfile::tempfile().unwrap();
        round_trip(file, &[10, 20, 4096]);
    }
}
