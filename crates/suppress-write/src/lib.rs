//! Parquet outputs, written fast and all or nothing; the mirror of `suppress-load`. It knows
//! nothing of deliveries or reasons: a job hands it columns and names.
//!
//! - [`Staged`]: an [`OutputSet`] of files written under temporary names in the output
//!   directory and renamed into place at the end, the commit marker last; removed when a run
//!   fails, and removed by the next run when a run was killed.
//! - [`write_row_groups`]: one Parquet file, one row group per unit of work the caller
//!   describes, row groups encoded in parallel on the rayon pool and appended in order, so the
//!   bytes do not depend on the thread count. Each row group is a list of [`Column`]s:
//!   - [`Column::Arrow`], through the Arrow writer's column writer;
//!   - [`Column::Codes`], repeated strings from codes, written as dictionary pages by
//!     `dictionary_column`;
//!   - [`Column::Strings`], nearly unique strings borrowed from the caller, written as PLAIN
//!     pages by `string_column`.
//!
//!   Both hand-written encoders build on `column_chunk` (pages, chunk metadata and offset
//!   index as the Arrow writer makes them, and Parquet's RLE / bit-packing hybrid).
//! - `direct`: the file written with direct I/O, around the page cache, in whole aligned
//!   buffers by a writer thread, where the file system allows it.
//! - `writeback`: otherwise, and for the tail, the file hands its pages to the disk every few
//!   megabytes as it grows; [`PendingSync`] runs the final fsync on a thread of its own.
//! - [`DirLock`]: one run at a time per output directory (`flock` on `.suppress.lock`).
//! - `temporaries`: every staged file of the process, so that a run stopped by a signal or an
//!   allocation failure removes them ([`remove_all_temporaries_and_freeze`]) and no file is
//!   staged or committed after that.
//! - [`WriteError`]: the file, and the I/O or encoder error.

mod column_chunk;
mod dictionary_column;
mod direct;
mod error;
mod lock;
mod row_groups;
mod staged;
mod string_column;
mod sync;
mod temporaries;
mod writeback;

pub use error::WriteError;
pub use lock::{DirLock, WhenLocked, LOCK_FILE};
pub use row_groups::{write_row_groups, Column};
pub use staged::{OutputSet, Staged, StagedFile};
pub use sync::PendingSync;
pub use temporaries::{
    committed as output_committed, remove_all_and_freeze as remove_all_temporaries_and_freeze,
    try_remove_all_and_freeze as try_remove_all_temporaries_and_freeze,
};
