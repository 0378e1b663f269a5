//! The process's memory allocator: mimalloc, on small pages.

/// mimalloc instead of glibc's malloc: a source task allocates and frees several small objects per
/// record, on different threads, and glibc's free and consolidation were a quarter of its CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Opts the process out of transparent huge pages unless `MIMALLOC_ALLOW_THP` says otherwise.
///
/// Where the kernel's THP mode is `always`, mimalloc's partly used regions were backed by 2 MiB
/// pages that its purging could not give back: a FileStreamSource worker peaked at 137–152 MB
/// instead of 71–99 MB, and spent more CPU (bench/README.md). mimalloc reads its own
/// `MIMALLOC_ALLOW_THP` before `main`, so this does the same as `MIMALLOC_ALLOW_THP=0` for the
/// memory mapped from now on; a user who sets the variable keeps the choice.
pub fn keep_small_pages() {
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_some() {
        return;
    }
    // SAFETY: PR_SET_THP_DISABLE takes plain integer arguments and only sets a flag of this
    // process; a kernel without it returns an error, which leaves things as they were.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
