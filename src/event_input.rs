//! Where `fclocal invoke` reads its event from, with fun's priorities
//! (fun `src/lib/utils/file.js` `eventPriority`): an `-e` value that is not
//! an existing file is the event itself; otherwise `-s` (stdin), then `-f`
//! (a file), then `-e` naming a file. With no option, a piped stdin is read
//! and an interactive one gives an empty event.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;

use anyhow::Context as _;

/// The event options of `fclocal invoke`.
#[derive(Debug, Default, Clone)]
pub struct EventSource {
    /// `-e`: the event, or a path to it.
    pub inline: Option<String>,
    /// `-f`: a file holding the event.
    pub file: Option<PathBuf>,
    /// `-s`: read the event from stdin.
    pub stdin: bool,
}

impl EventSource {
    /// Reads the event bytes.
    pub fn read(&self) -> anyhow::Result<Vec<u8>> {
        if let Some(inline) = &self.inline
            && !PathBuf::from(inline).is_file()
        {
            return Ok(inline.clone().into_bytes());
        }
        if self.stdin {
            return read_stdin();
        }
        if let Some(file) = &self.file {
            return std::fs::read(file)
                .with_context(|| format!("cannot read the event file {}", file.display()));
        }
        if let Some(path) = &self.inline {
            return std::fs::read(path)
                .with_context(|| format!("cannot read the event file {path}"));
        }
        if std::io::stdin().is_terminal() {
            return Ok(Vec::new());
        }
        read_stdin()
    }
}

fn read_stdin() -> anyhow::Result<Vec<u8>> {
    let mut event = Vec::new();
    std::io::stdin()
        .read_to_end(&mut event)
        .context("cannot read the event from stdin")?;
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inline_value_wins_unless_it_names_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("event.json");
        std::fs::write(&file, b"{\"from\":\"file\"}").unwrap();
        let inline = EventSource {
            inline: Some("{\"from\":\"inline\"}".into()),
            file: Some(file.clone()),
            stdin: false,
        };
        assert_eq!(inline.read().unwrap(), b"{\"from\":\"inline\"}");
        let path_in_e = EventSource {
            inline: Some(file.display().to_string()),
            ..EventSource::default()
        };
        assert_eq!(path_in_e.read().unwrap(), b"{\"from\":\"file\"}");
        let file_only = EventSource {
            file: Some(file),
            ..EventSource::default()
        };
        assert_eq!(file_only.read().unwrap(), b"{\"from\":\"file\"}");
    }

    #[test]
    fn a_missing_event_file_names_it() {
        let source = EventSource {
            file: Some("/nonexistent/event.json".into()),
            ..EventSource::default()
        };
        let error = format!("{:#}", source.read().unwrap_err());
        assert!(error.contains("/nonexistent/event.json"), "{error}");
    }
}
