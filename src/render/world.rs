//! Our Typst `World`: the one place a compile touches anything outside memory.
//!
//! The main source is the Tera output, held in memory. Other files come only from
//! the template set (the shared `layout.typ`) and the office folder (the seal
//! image). Fonts come from the shared [`FontSet`]. `today()` is the paper's date,
//! so output never depends on the clock.

use std::collections::HashMap;
use std::sync::Arc;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, Source, VirtualPath};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, World};

use super::fonts::FontSet;

/// Files a compile may read besides its main source, by virtual path (`/layout.typ`).
#[derive(Default)]
pub struct Files {
    pub sources: HashMap<String, Source>,
    pub binaries: HashMap<String, Bytes>,
}

impl Files {
    pub fn add_source(&mut self, path: &str, text: String) {
        let id = FileId::new(None, VirtualPath::new(path));
        self.sources.insert(path.to_string(), Source::new(id, text));
    }

    pub fn add_binary(&mut self, path: &str, bytes: Vec<u8>) {
        self.binaries.insert(path.to_string(), Bytes::new(bytes));
    }
}

/// One compile: a main source plus the shared library, fonts and files.
pub struct PaperWorld<'a> {
    pub library: &'a LazyHash<Library>,
    pub fonts: &'a FontSet,
    pub files: &'a Arc<Files>,
    pub main: Source,
    pub today: Datetime,
}

impl<'a> PaperWorld<'a> {
    pub fn new(
        library: &'a LazyHash<Library>,
        fonts: &'a FontSet,
        files: &'a Arc<Files>,
        text: String,
        today: Datetime,
    ) -> Self {
        let id = FileId::new(None, VirtualPath::new("/main.typ"));
        PaperWorld {
            library,
            fonts,
            files,
            main: Source::new(id, text),
            today,
        }
    }
}

fn key(id: FileId) -> String {
    id.vpath()
        .as_rooted_path()
        .to_string_lossy()
        .replace('\\', "/")
}

impl World for PaperWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.fonts.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            return Ok(self.main.clone());
        }
        let k = key(id);
        self.files
            .sources
            .get(&k)
            .cloned()
            .ok_or_else(|| FileError::NotFound(id.vpath().as_rootless_path().into()))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        let k = key(id);
        if let Some(b) = self.files.binaries.get(&k) {
            return Ok(b.clone());
        }
        if let Some(s) = self.files.sources.get(&k) {
            return Ok(Bytes::from_string(s.text().to_string()));
        }
        Err(FileError::NotFound(id.vpath().as_rootless_path().into()))
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.font(index)
    }

    fn today(&self, _offset: Option<i64>) -> Option<Datetime> {
        Some(self.today)
    }
}
