//! An output file that hands its pages to the disk as it grows.
//!
//! Outputs are fsynced before they are renamed into place, so that a crash never leaves a
//! renamed but empty file. Left alone, the kernel starts writing the pages back only when the
//! fsync asks for all of them at once, and the run then waits for the whole file (60 ms for
//! 58 MB at 2M profiles). Starting the write-back of every few megabytes as they are written
//! lets the disk work while the encoder does, and the fsync waits only for the tail.

use std::fs::File;
use std::io::{self, Write};

/// Bytes written between two write-back requests.
const STEP: u64 = 8 << 20;

pub struct WritebackFile {
    file: File,
    written: u64,
    requested: u64,
}

impl WritebackFile {
    pub fn new(file: File) -> WritebackFile {
        WritebackFile { file, written: 0, requested: 0 }
    }

    /// Waits until the bytes of earlier requests are on their way to the disk, then asks the
    /// kernel to start writing the bytes written since. Only advice: a failure is ignored (the
    /// final fsync reports real errors). The wait keeps at most about one step in flight, so
    /// the final fsync does not wait for a backlog; it rarely blocks, since the disk writes a
    /// step faster than the encoders produce one.
    fn request_writeback(&mut self) {
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let fd = self.file.as_raw_fd();
            let (offset, len) = (self.requested as libc::off64_t, (self.written - self.requested) as libc::off64_t);
            // SAFETY: sync_file_range takes a descriptor and integers and touches no memory of
            // ours; the descriptor belongs to `self.file`, open for both calls.
            unsafe {
                let _ = libc::sync_file_range(fd, 0, offset, libc::SYNC_FILE_RANGE_WAIT_BEFORE);
                let _ = libc::sync_file_range(fd, offset, len, libc::SYNC_FILE_RANGE_WRITE);
            }
        }
        self.requested = self.written;
    }

    /// The file, for writes that bypass the page cache.
    pub fn file(&self) -> &File {
        &self.file
    }

    /// Counts `n` bytes written to the file around this writer (directly to the disk): they
    /// need no write-back.
    pub fn skip(&mut self, n: u64) {
        self.written += n;
        self.requested = self.written;
    }

    /// The file, for the final `sync_all`.
    pub fn into_inner(self) -> File {
        self.file
    }
}

impl Write for WritebackFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        if self.written - self.requested >= STEP {
            self.request_writeback();
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Seek, SeekFrom};

    use super::*;

    #[test]
    fn writes_every_byte_in_order_across_writeback_steps() {
        let mut file = WritebackFile::new(tempfile::tempfile().unwrap());
        let chunk: Vec<u8> = (0..=255u8).cycle().take(3 << 20).collect();
        for _ in 0..6 {
            file.write_all(&chunk).unwrap();
        }
        // Requested after 9 MiB and after 18 MiB: whenever 8 MiB or more are new.
        assert_eq!(file.requested, 18 << 20);
        let mut file = file.into_inner();
        file.sync_all().unwrap();
        file.seek(SeekFrom::Start(0)).unwrap();
        let mut back = Vec::new();
        file.read_to_end(&mut back).unwrap();
        assert_eq!(back.len(), 18 << 20);
        assert!(back.chunks(chunk.len()).all(|c| c == chunk.as_slice()));
    }
}
