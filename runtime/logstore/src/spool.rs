//! The spool: append-only files beside the database (`logs.db-spool`, `logs.db-spool-b`)
//! where an invocation's lines become durable before SQLite commits them.
//!
//! An answer waits for its invocation's lines to be durable. Committing them to SQLite for
//! every answer cost a transaction per request (the logs, the full-text queue, the rollups,
//! a dozen WAL pages), on the core that serves the next request. Appending them to this file
//! is one `write` of a few hundred bytes, and gives the same guarantee as a commit under
//! `synchronous=NORMAL`: once `write` returns, the lines survive the process being killed
//! (not a power cut). The writer then commits what it spooled a few milliseconds later, many
//! invocations per transaction (`crate::writer`).
//!
//! - **Exactly once**: every frame has an id, and the transaction that commits a frame's
//!   lines stores the highest spooled frame id it covers in `meta.spooled_up_to`
//!   (migration 6). A writer that starts after a crash inserts the frames above that mark,
//!   in one transaction that moves the mark, then empties the file. A commit always takes
//!   every spooled line, so the mark covers all frames once it commits.
//! - **Torn tails**: a frame carries its length and a CRC-32; reading stops at the first
//!   frame that is short or does not check out. Such a frame was being written when the
//!   process died, so its `write` never returned and no answer relied on it.
//! - **Two files in turn**: frames keep arriving while a commit runs, so the file a commit
//!   covers may already hold newer frames. Once the active file passed 1 MiB and the other
//!   is empty, appends move to the other; a file is emptied once the mark covers its newest
//!   frame. Neither grows past about 1 MiB plus one commit delay of traffic.
//! - **One owner**: the first file is locked (`flock`) by the store that opened it. Another
//!   process writing the same database (`fclocal invoke` beside `fclocal start`) finds it
//!   locked and commits every flush itself, as before the spool.
//! - **Identity**: the header names the database (`meta.database_id`), so a spool left
//!   beside a `logs.db` that was deleted and created again is not replayed into the new one.
//! - **Readers** ([`crate::LogReader`]) see lines once they are committed; one that opens (or
//!   [`crate::LogReader::catch_up`]s) while frames above the mark are spooled waits for the
//!   writer's next commit, so a query after an answer sees that answer's lines.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::model::LogRecord;

/// Start of every spool file, followed by the database id (32 ASCII hex digits).
const MAGIC: &[u8; 8] = b"FCLSPL01";
/// Length of the database id in the header.
const ID_LEN: usize = 32;
/// Bytes before the first frame.
const HEADER_LEN: u64 = (MAGIC.len() + ID_LEN) as u64;
/// A frame's length (u32), CRC-32 (u32) and id (u64), before its payload.
const FRAME_HEAD: usize = 16;
/// No frame is larger (a frame holds the lines of the invocations acknowledged together;
/// one invocation stores at most a few MiB). A larger length means a damaged file.
const MAX_PAYLOAD: usize = 256 << 20;

/// The two spool files of the database at `db` (`logs.db-spool`, `logs.db-spool-b`).
pub(crate) fn paths_of(db: &Path) -> [PathBuf; 2] {
    ["-spool", "-spool-b"].map(|suffix| {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    })
}

/// Size past which appends move to the other file once it is empty.
const ROTATE_BYTES: u64 = 1 << 20;

/// One of the two files.
#[derive(Debug)]
struct Half {
    file: File,
    path: PathBuf,
    /// The file's length: where the next frame starts.
    len: u64,
    /// The highest frame id in it (0: none).
    newest: u64,
    /// A failed append could not be cut back: the file may end in a partial frame, after
    /// which nothing would be read back. Nothing is appended to it until it is emptied.
    torn: bool,
}

impl Half {
    fn is_empty(&self) -> bool {
        self.len <= HEADER_LEN && !self.torn
    }

    fn empty(&mut self) -> std::io::Result<()> {
        if !self.is_empty() {
            self.file.set_len(HEADER_LEN)?;
            self.len = HEADER_LEN;
            self.newest = 0;
            self.torn = false;
        }
        Ok(())
    }

    fn write_header(&mut self, database_id: &str) -> std::io::Result<()> {
        self.file.set_len(0)?;
        self.file.seek(SeekFrom::Start(0))?;
        let mut header = Vec::with_capacity(HEADER_LEN as usize);
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&id_bytes(database_id));
        self.file.write_all(&header)?;
        self.len = HEADER_LEN;
        self.newest = 0;
        self.torn = false;
        Ok(())
    }
}

/// The open, locked spool of one store: two files used in turn, so that one can be
/// emptied once everything in it is committed while frames keep arriving in the other.
#[derive(Debug)]
pub(crate) struct Spool {
    halves: [Half; 2],
    /// The half appends go to.
    active: usize,
    /// The id the next frame gets.
    next_frame: u64,
    /// Reused encoding buffer.
    buf: Vec<u8>,
}

/// A frame read back: its id and its writes (one `Vec` per spooled append).
pub(crate) type Frame = (u64, Vec<Vec<LogRecord>>);

/// What opening a spool found.
pub(crate) enum Opened {
    /// Locked by this store: the frames above the database's mark must be replayed, then
    /// the spool [`Spool::reset`].
    Owned { spool: Spool, frames: Vec<Frame> },
    /// Another store (in this or another process) holds it.
    Busy,
}

impl Spool {
    /// Opens and locks the spool of `db`, whose `meta` says `database_id` and
    /// `spooled_up_to`, and returns the frames still to replay (ids above `spooled_up_to`,
    /// in id order).
    pub(crate) fn open(
        db: &Path,
        database_id: &str,
        spooled_up_to: u64,
    ) -> std::io::Result<Opened> {
        let [first, second] = paths_of(db);
        let open = |path: &Path| {
            OpenOptions::new()
                .read(true)
                .append(true)
                .create(true)
                .truncate(false)
                .open(path)
        };
        let lock = open(&first)?;
        // The first file's lock stands for both.
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Ok(Opened::Busy),
            Err(std::fs::TryLockError::Error(error)) => return Err(error),
        }
        let mut frames = Vec::new();
        let mut last = spooled_up_to;
        let mut halves = Vec::with_capacity(2);
        for (mut file, path) in [(lock, first), (open(&second)?, second)] {
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes)?;
            match parse(&bytes, database_id, Payloads::Decode) {
                Parsed::Frames(found) => {
                    for (id, writes) in found {
                        last = last.max(id);
                        if id > spooled_up_to {
                            frames.push((id, writes));
                        }
                    }
                }
                Parsed::Foreign => tracing::warn!(
                    path = %path.display(),
                    "the log spool belongs to another database (logs.db was created again); its lines are not replayed"
                ),
                Parsed::Empty => {}
            }
            halves.push(Half {
                file,
                path,
                len: bytes.len() as u64,
                newest: 0,
                torn: false,
            });
        }
        frames.sort_by_key(|(id, _)| *id);
        frames.dedup_by_key(|(id, _)| *id);
        let Ok(halves) = <[Half; 2]>::try_from(halves) else {
            unreachable!("two files were opened");
        };
        let mut spool = Spool {
            halves,
            active: 0,
            next_frame: last + 1,
            buf: Vec::new(),
        };
        if frames.is_empty() {
            spool.reset(database_id)?;
        }
        // Otherwise the frames stay in the files until their replay is committed, then the
        // caller resets them.
        Ok(Opened::Owned { spool, frames })
    }

    /// The id of the last frame written (0 before any).
    pub(crate) fn last_frame(&self) -> u64 {
        self.next_frame - 1
    }

    /// The file appends go to, for messages.
    pub(crate) fn path(&self) -> &Path {
        &self.halves[self.active].path
    }

    /// Appends one frame holding `writes` and returns its id once `write` returned: from
    /// then on the lines survive this process dying. On error nothing was spooled: the
    /// caller commits instead.
    pub(crate) fn append(&mut self, writes: &[&[LogRecord]]) -> std::io::Result<u64> {
        let half = &mut self.halves[self.active];
        if half.torn {
            return Err(std::io::Error::other(
                "a partial frame awaits the next commit",
            ));
        }
        let id = self.next_frame;
        self.buf.clear();
        self.buf.extend_from_slice(&[0; FRAME_HEAD]);
        serde_json::to_writer(&mut self.buf, writes)?;
        let payload = self.buf.len() - FRAME_HEAD;
        let length = u32::try_from(payload)
            .ok()
            .filter(|_| payload <= MAX_PAYLOAD)
            .ok_or_else(|| std::io::Error::other("a spool frame over 256 MiB"))?;
        self.buf[8..16].copy_from_slice(&id.to_le_bytes());
        let crc = crc32fast::hash(&self.buf[8..]);
        self.buf[0..4].copy_from_slice(&length.to_le_bytes());
        self.buf[4..8].copy_from_slice(&crc.to_le_bytes());
        if let Err(error) = half.file.write_all(&self.buf) {
            half.torn = half.file.set_len(half.len).is_err();
            return Err(error);
        }
        half.len += self.buf.len() as u64;
        half.newest = id;
        self.next_frame += 1;
        Ok(id)
    }

    /// After a commit whose mark is `mark` (every frame up to it is committed): empties
    /// each file that holds nothing newer, and moves appends to the other file once the
    /// active one is large and the other empty, so neither grows while the server is busy.
    pub(crate) fn committed(&mut self, mark: u64) -> std::io::Result<()> {
        for half in &mut self.halves {
            if half.newest <= mark {
                half.empty()?;
            }
        }
        let other = 1 - self.active;
        if self.halves[self.active].len > ROTATE_BYTES && self.halves[other].is_empty() {
            self.active = other;
        }
        Ok(())
    }

    /// Rewrites both headers for `database_id` and drops every frame: after a replay was
    /// committed, or when nothing needed replaying.
    pub(crate) fn reset(&mut self, database_id: &str) -> std::io::Result<()> {
        for half in &mut self.halves {
            half.write_header(database_id)?;
        }
        self.active = 0;
        Ok(())
    }

    /// Removes the files when the store closes cleanly with nothing left in them (a frame
    /// spooled after the writer's last commit stays, for the next store to replay).
    pub(crate) fn remove_if_empty(&mut self) {
        if self.halves.iter().all(Half::is_empty) {
            // The second first: the first one's lock stands for both.
            let _ = std::fs::remove_file(&self.halves[1].path);
            let _ = std::fs::remove_file(&self.halves[0].path);
        }
    }
}

/// Whether another store (in this or another process) holds the spool of `db`: a running
/// fclocal owns the database. Creates nothing; a missing spool is held by nobody.
pub(crate) fn held_by_another_store(db: &Path) -> std::io::Result<bool> {
    let [first, _] = paths_of(db);
    let lock = match File::open(&first) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(error) => return Err(error),
    };
    match lock.try_lock_shared() {
        // Released when `lock` closes, at once.
        Ok(()) => Ok(false),
        Err(std::fs::TryLockError::WouldBlock) => Ok(true),
        Err(std::fs::TryLockError::Error(error)) => Err(error),
    }
}

/// The highest frame id in the spool of `db` that belongs to `database_id`, if it has
/// frames and a live store owns it: what a reader waits for the database's mark to reach.
/// A spool nobody holds (its process died) is replayed by the next store that opens the
/// database, so there is nothing to wait for.
pub(crate) fn last_spooled(db: &Path, database_id: &str) -> std::io::Result<Option<u64>> {
    let [first, second] = paths_of(db);
    let lock = match File::open(&first) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error),
    };
    let sizes = [&first, &second].map(|path| std::fs::metadata(path).map_or(0, |m| m.len()));
    if sizes.iter().all(|len| *len <= HEADER_LEN) {
        return Ok(None);
    }
    match lock.try_lock_shared() {
        // Nobody owns it. (Released when `lock` closes, at once.)
        Ok(()) => return Ok(None),
        Err(std::fs::TryLockError::WouldBlock) => {}
        Err(std::fs::TryLockError::Error(error)) => return Err(error),
    }
    let mut newest = None;
    for path in [first, second] {
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
            Err(error) => return Err(error),
        };
        if let Parsed::Frames(frames) = parse(&bytes, database_id, Payloads::Skip)
            && let Some((id, _)) = frames.last()
        {
            newest = newest.max(Some(*id));
        }
    }
    Ok(newest)
}

/// What a spool file holds.
enum Parsed {
    /// No header (a new or emptied file).
    Empty,
    /// The header names another database (or is damaged).
    Foreign,
    /// The complete, intact frames, in order.
    Frames(Vec<Frame>),
}

/// Whether [`parse`] decodes the frames' lines or only finds their ids (a reader waiting for
/// the mark needs the ids only).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Payloads {
    Decode,
    Skip,
}

fn parse(bytes: &[u8], database_id: &str, payloads: Payloads) -> Parsed {
    if bytes.len() < HEADER_LEN as usize {
        return Parsed::Empty;
    }
    let (header, mut rest) = bytes.split_at(HEADER_LEN as usize);
    if &header[..MAGIC.len()] != MAGIC || header[MAGIC.len()..] != id_bytes(database_id) {
        return Parsed::Foreign;
    }
    let mut frames = Vec::new();
    while rest.len() >= FRAME_HEAD {
        let length = u32::from_le_bytes(rest[0..4].try_into().expect("4 bytes")) as usize;
        let crc = u32::from_le_bytes(rest[4..8].try_into().expect("4 bytes"));
        if length > MAX_PAYLOAD || rest.len() < FRAME_HEAD + length {
            break;
        }
        let body = &rest[8..FRAME_HEAD + length];
        if crc32fast::hash(body) != crc {
            break;
        }
        let id = u64::from_le_bytes(body[0..8].try_into().expect("8 bytes"));
        let writes = match payloads {
            Payloads::Skip => Vec::new(),
            Payloads::Decode => match serde_json::from_slice::<Vec<Vec<LogRecord>>>(&body[8..]) {
                Ok(writes) => writes,
                Err(_) => break,
            },
        };
        frames.push((id, writes));
        rest = &rest[FRAME_HEAD + length..];
    }
    Parsed::Frames(frames)
}

/// The database id as exactly [`ID_LEN`] header bytes.
fn id_bytes(database_id: &str) -> [u8; ID_LEN] {
    let mut bytes = [b' '; ID_LEN];
    for (slot, byte) in bytes.iter_mut().zip(database_id.bytes()) {
        *slot = byte;
    }
    bytes
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;

    const ID: &str = "0123456789abcdef0123456789abcdef";

    fn record(message: &str) -> LogRecord {
        LogRecord {
            project: "p".into(),
            logstore: "l".into(),
            time: SystemTime::UNIX_EPOCH,
            topic: String::new(),
            source: String::new(),
            tags: Vec::new(),
            contents: vec![("message".into(), message.into())],
        }
    }

    fn owned(db: &Path, mark: u64) -> (Spool, Vec<Frame>) {
        match Spool::open(db, ID, mark).expect("open") {
            Opened::Owned { spool, frames } => (spool, frames),
            Opened::Busy => panic!("the spool is held"),
        }
    }

    fn ids(frames: &[Frame]) -> Vec<u64> {
        frames.iter().map(|(id, _)| *id).collect()
    }

    #[test]
    fn appends_move_to_the_other_file_while_the_first_waits_for_its_commit() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("logs.db");
        let (mut spool, frames) = owned(&db, 0);
        assert!(frames.is_empty());
        let big = record(&"x".repeat(64 << 10));
        let mut last = 0;
        while std::fs::metadata(&paths_of(&db)[0]).expect("a").len() <= ROTATE_BYTES {
            last = spool.append(&[std::slice::from_ref(&big)]).expect("append");
        }
        // A commit covered all but the newest frame: nothing can be emptied yet, and
        // appends move to the empty second file.
        spool.committed(last - 1).expect("committed");
        let in_second = spool.append(&[&[record("second")]]).expect("append");
        let [first, second] = paths_of(&db);
        let size = |path: &Path| std::fs::metadata(path).expect("size").len();
        assert!(size(&first) > ROTATE_BYTES);
        assert!(size(&second) > HEADER_LEN);

        // Another store opening now (after a crash) replays the frames above the mark from
        // both files, in order.
        drop(spool);
        let (mut spool, frames) = owned(&db, last - 1);
        assert_eq!(ids(&frames), [last, in_second]);
        assert_eq!(frames[1].1[0][0].contents[0].1, "second");
        spool.reset(ID).expect("reset");

        // Once the mark covers a file, it is emptied.
        let a = spool.append(&[&[record("a")]]).expect("append");
        spool.committed(a).expect("committed");
        assert_eq!(size(&first), HEADER_LEN);
        assert_eq!(size(&second), HEADER_LEN);
        spool.remove_if_empty();
        assert!(!first.exists() && !second.exists());
    }

    #[test]
    fn a_second_open_finds_the_spool_held_and_readers_wait_only_for_a_live_owner() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("logs.db");
        let (mut spool, _) = owned(&db, 0);
        assert!(matches!(Spool::open(&db, ID, 0), Ok(Opened::Busy)));
        let id = spool.append(&[&[record("a")]]).expect("append");
        assert_eq!(last_spooled(&db, ID).expect("read"), Some(id));
        assert_eq!(last_spooled(&db, "another database").expect("read"), None);
        drop(spool);
        // Its owner is gone: the next store replays it, a reader does not wait.
        assert_eq!(last_spooled(&db, ID).expect("read"), None);
    }
}
