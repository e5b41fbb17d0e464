//! The anjuan metadata as the checks read it: each case's `metadata.json`
//! items, the catalogue's rows, the handoff declaration. Typed and compact —
//! a year bundle has tens of thousands of items, and holding them as
//! `serde_json::Value` cost verify most of its memory — but loaded *loosely*:
//! a missing or wrongly typed field is a [`Field`] the checks report at that
//! field, never a failure to load the file, and unknown fields are skipped.
//!
//! Every value goes through `deserialize_any` (see [`Skip`]), so a document
//! is accepted or refused, with the same error, exactly as parsing it into a
//! `serde_json::Value` would; and where a key repeats, the last one counts,
//! as in a `Value` object.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// A JSON value read and dropped. Not `IgnoredAny`: serde_json skips that
/// without its recursion limit and number range checks, and a document a
/// `Value` refuses must still be refused.
pub(super) struct Skip;

struct SkipVisitor;

impl<'de> Visitor<'de> for SkipVisitor {
    type Value = Skip;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_str<E>(self, _: &str) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_unit<E>(self) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_none<E>(self) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Skip, D::Error> {
        d.deserialize_any(SkipVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Skip, A::Error> {
        while a.next_element::<Skip>()?.is_some() {}
        Ok(Skip)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Skip, A::Error> {
        while a.next_key_seed(KeySeed(&[]))?.is_some() {
            a.next_value::<Skip>()?;
        }
        Ok(Skip)
    }
}

impl<'de> de::Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Skip, D::Error> {
        d.deserialize_any(SkipVisitor)
    }
}

/// An object key: its place in a list of the keys wanted (`None`: another).
struct KeySeed<'a>(&'a [&'a str]);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Option<usize>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_str<E>(self, v: &str) -> Result<Option<usize>, E> {
        Ok(self.0.iter().position(|k| *k == v))
    }
}

/// One field of a JSON object, as loosely as the checks read it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) enum Field {
    #[default]
    Absent,
    Null,
    Str(Box<str>),
    /// A non-negative integer (what `Value::as_u64` gives).
    UInt(u64),
    Bool(bool),
    /// A negative or fractional number, an array or an object.
    Other,
}

impl Field {
    /// The text of a string field, "" for anything else.
    pub(super) fn str(&self) -> &str {
        match self {
            Field::Str(s) => s,
            _ => "",
        }
    }

    /// A string field's text, or `None`.
    pub(super) fn as_str(&self) -> Option<&str> {
        match self {
            Field::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(super) fn u64(&self) -> Option<u64> {
        match self {
            Field::UInt(n) => Some(*n),
            _ => None,
        }
    }

    pub(super) fn bool(&self) -> Option<bool> {
        match self {
            Field::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Missing as a required element: absent, null or blank text.
    pub(super) fn blank(&self) -> bool {
        match self {
            Field::Absent | Field::Null => true,
            Field::Str(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    /// The field of a parsed value (`v` being the field's value).
    pub(super) fn of(v: &Value) -> Field {
        match v {
            Value::Null => Field::Null,
            Value::Bool(b) => Field::Bool(*b),
            Value::Number(n) => n.as_u64().map(Field::UInt).unwrap_or(Field::Other),
            Value::String(s) => Field::Str(s.as_str().into()),
            Value::Array(_) | Value::Object(_) => Field::Other,
        }
    }

    /// A field of an object value ([`Field::Absent`] when `v` is no object
    /// or lacks `k`).
    pub(super) fn get(v: &Value, k: &str) -> Field {
        v.get(k).map(Field::of).unwrap_or_default()
    }
}

struct FieldVisitor;

impl<'de> Visitor<'de> for FieldVisitor {
    type Value = Field;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Field, E> {
        Ok(Field::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Field, E> {
        Ok(u64::try_from(v).map(Field::UInt).unwrap_or(Field::Other))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Field, E> {
        Ok(Field::UInt(v))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Field, E> {
        Ok(Field::Other)
    }
    fn visit_str<E>(self, v: &str) -> Result<Field, E> {
        Ok(Field::Str(v.into()))
    }
    fn visit_string<E>(self, v: String) -> Result<Field, E> {
        Ok(Field::Str(v.into_boxed_str()))
    }
    fn visit_unit<E>(self) -> Result<Field, E> {
        Ok(Field::Null)
    }
    fn visit_none<E>(self) -> Result<Field, E> {
        Ok(Field::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Field, D::Error> {
        d.deserialize_any(FieldVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, a: A) -> Result<Field, A::Error> {
        SkipVisitor.visit_seq(a).map(|_| Field::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<Field, A::Error> {
        SkipVisitor.visit_map(a).map(|_| Field::Other)
    }
}

impl<'de> de::Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Field, D::Error> {
        d.deserialize_any(FieldVisitor)
    }
}

/// Implements the visitor methods for values that are not what a typed
/// reader wants: they are read (so the document is judged as a whole) and
/// give `$none`.
macro_rules! other_values {
    ($none:expr) => {
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok($none)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok($none)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok($none)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok($none)
        }
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok($none)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok($none)
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok($none)
        }
    };
}

/// An item's 电子签名, as far as the checks look into it.
#[derive(Clone, Debug, Default)]
pub(super) enum Signature {
    #[default]
    Absent,
    /// Present, but not an object (null, text, an array …).
    NotObject,
    Object {
        /// 签名时间.
        time: Field,
        /// 可信注释.
        comment: Field,
    },
}

struct SignatureVisitor;

impl<'de> Visitor<'de> for SignatureVisitor {
    type Value = Signature;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    other_values!(Signature::NotObject);
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Signature, D::Error> {
        d.deserialize_any(SignatureVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, a: A) -> Result<Signature, A::Error> {
        SkipVisitor.visit_seq(a).map(|_| Signature::NotObject)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Signature, A::Error> {
        const KEYS: [&str; 2] = ["签名时间", "可信注释"];
        let (mut time, mut comment) = (Field::Absent, Field::Absent);
        while let Some(k) = a.next_key_seed(KeySeed(&KEYS))? {
            match k {
                Some(0) => time = a.next_value()?,
                Some(_) => comment = a.next_value()?,
                None => {
                    a.next_value::<Skip>()?;
                }
            }
        }
        Ok(Signature::Object { time, comment })
    }
}

impl<'de> de::Deserialize<'de> for Signature {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Signature, D::Error> {
        d.deserialize_any(SignatureVisitor)
    }
}

/// Whether a value is a non-empty array (业务行为).
struct NonEmptyArray(bool);

struct NonEmptyArrayVisitor;

impl<'de> Visitor<'de> for NonEmptyArrayVisitor {
    type Value = NonEmptyArray;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    other_values!(NonEmptyArray(false));
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<NonEmptyArray, D::Error> {
        d.deserialize_any(NonEmptyArrayVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<NonEmptyArray, A::Error> {
        let mut any = false;
        while a.next_element::<Skip>()?.is_some() {
            any = true;
        }
        Ok(NonEmptyArray(any))
    }
    fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<NonEmptyArray, A::Error> {
        SkipVisitor.visit_map(a).map(|_| NonEmptyArray(false))
    }
}

impl<'de> de::Deserialize<'de> for NonEmptyArray {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<NonEmptyArray, D::Error> {
        d.deserialize_any(NonEmptyArrayVisitor)
    }
}

/// One item of a case's metadata.json (DA/T 46 elements), as the checks
/// read it.
#[derive(Clone, Debug, Default)]
pub(super) struct Item {
    /// 档号.
    pub(super) code: Field,
    /// 存储位置.
    pub(super) location: Field,
    /// 题名.
    pub(super) title: Field,
    /// 责任者.
    pub(super) creator: Field,
    /// 日期.
    pub(super) date: Field,
    /// 密级.
    pub(super) secrecy: Field,
    /// 页数.
    pub(super) pages: Field,
    /// 计算机文件大小.
    pub(super) size: Field,
    /// 计算机文件名.
    pub(super) file_name: Field,
    /// 格式信息.
    pub(super) format: Field,
    /// 案件编号.
    pub(super) case: Field,
    /// 文书种类.
    pub(super) kind: Field,
    /// 来源.
    pub(super) source: Field,
    /// 送达文书: the 档号 of the paper a delivery receipt is for.
    pub(super) serves: Field,
    /// 需送达.
    pub(super) must_serve: Field,
    /// 电子签名.
    pub(super) signature: Signature,
    /// 业务行为 is a non-empty array.
    pub(super) actions: bool,
    /// The required elements read for nothing but their presence (全宗号,
    /// 年度, 保管期限): blank, one bit each.
    blank: u8,
}

/// The DA/T 46 elements every item must have (with 业务行为, checked apart).
pub(super) const REQUIRED: [&str; 12] = [
    "题名",
    "责任者",
    "日期",
    "档号",
    "全宗号",
    "年度",
    "保管期限",
    "页数",
    "格式信息",
    "计算机文件名",
    "计算机文件大小",
    "存储位置",
];

const ITEM_KEYS: [&str; 20] = [
    "档号",
    "存储位置",
    "题名",
    "责任者",
    "日期",
    "密级",
    "页数",
    "计算机文件大小",
    "计算机文件名",
    "格式信息",
    "案件编号",
    "文书种类",
    "来源",
    "送达文书",
    "需送达",
    "电子签名",
    "业务行为",
    "全宗号",
    "年度",
    "保管期限",
];

impl Item {
    /// The required elements missing (blank), in [`REQUIRED`]'s order.
    pub(super) fn missing(&self) -> Vec<&'static str> {
        REQUIRED
            .iter()
            .copied()
            .filter(|k| match *k {
                "题名" => self.title.blank(),
                "责任者" => self.creator.blank(),
                "日期" => self.date.blank(),
                "档号" => self.code.blank(),
                "全宗号" => self.blank & 1 != 0,
                "年度" => self.blank & 2 != 0,
                "保管期限" => self.blank & 4 != 0,
                "页数" => self.pages.blank(),
                "格式信息" => self.format.blank(),
                "计算机文件名" => self.file_name.blank(),
                "计算机文件大小" => self.size.blank(),
                _ => self.location.blank(),
            })
            .collect()
    }
}

struct ItemVisitor;

impl<'de> Visitor<'de> for ItemVisitor {
    type Value = Item;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    // An item that is no object has no fields.
    other_values!(Item {
        blank: 7,
        ..Item::default()
    });
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Item, D::Error> {
        d.deserialize_any(ItemVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, a: A) -> Result<Item, A::Error> {
        SkipVisitor.visit_seq(a).map(|_| Item {
            blank: 7,
            ..Item::default()
        })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Item, A::Error> {
        let mut it = Item {
            blank: 7,
            ..Item::default()
        };
        while let Some(k) = a.next_key_seed(KeySeed(&ITEM_KEYS))? {
            let Some(k) = k else {
                a.next_value::<Skip>()?;
                continue;
            };
            match k {
                0 => it.code = a.next_value()?,
                1 => it.location = a.next_value()?,
                2 => it.title = a.next_value()?,
                3 => it.creator = a.next_value()?,
                4 => it.date = a.next_value()?,
                5 => it.secrecy = a.next_value()?,
                6 => it.pages = a.next_value()?,
                7 => it.size = a.next_value()?,
                8 => it.file_name = a.next_value()?,
                9 => it.format = a.next_value()?,
                10 => it.case = a.next_value()?,
                11 => it.kind = a.next_value()?,
                12 => it.source = a.next_value()?,
                13 => it.serves = a.next_value()?,
                14 => it.must_serve = a.next_value()?,
                15 => it.signature = a.next_value()?,
                16 => it.actions = a.next_value::<NonEmptyArray>()?.0,
                _ => {
                    let bit = 1u8 << (k - 17);
                    if a.next_value::<Field>()?.blank() {
                        it.blank |= bit;
                    } else {
                        it.blank &= !bit;
                    }
                }
            }
        }
        Ok(it)
    }
}

impl<'de> de::Deserialize<'de> for Item {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Item, D::Error> {
        d.deserialize_any(ItemVisitor)
    }
}

/// The items of an array (nothing when the value is no array).
struct Items(Vec<Item>);

struct ItemsVisitor;

impl<'de> Visitor<'de> for ItemsVisitor {
    type Value = Items;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    other_values!(Items(Vec::new()));
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Items, D::Error> {
        d.deserialize_any(ItemsVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Items, A::Error> {
        let mut v = Vec::new();
        while let Some(it) = a.next_element::<Item>()? {
            v.push(it);
        }
        v.shrink_to_fit();
        Ok(Items(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<Items, A::Error> {
        SkipVisitor.visit_map(a).map(|_| Items(Vec::new()))
    }
}

impl<'de> de::Deserialize<'de> for Items {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Items, D::Error> {
        d.deserialize_any(ItemsVisitor)
    }
}

/// A case's metadata.json: its items (文件).
pub(super) struct CaseMetadata(pub(super) Vec<Item>);

struct CaseMetadataVisitor;

impl<'de> Visitor<'de> for CaseMetadataVisitor {
    type Value = CaseMetadata;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    other_values!(CaseMetadata(Vec::new()));
    fn visit_seq<A: SeqAccess<'de>>(self, a: A) -> Result<CaseMetadata, A::Error> {
        SkipVisitor.visit_seq(a).map(|_| CaseMetadata(Vec::new()))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<CaseMetadata, D::Error> {
        d.deserialize_any(CaseMetadataVisitor)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<CaseMetadata, A::Error> {
        let mut items = Vec::new();
        while let Some(k) = a.next_key_seed(KeySeed(&["文件"]))? {
            match k {
                Some(_) => items = a.next_value::<Items>()?.0,
                None => {
                    a.next_value::<Skip>()?;
                }
            }
        }
        Ok(CaseMetadata(items))
    }
}

impl<'de> de::Deserialize<'de> for CaseMetadata {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<CaseMetadata, D::Error> {
        d.deserialize_any(CaseMetadataVisitor)
    }
}

/// A row of catalogue.json's 文件, as the checks read it.
#[derive(Clone, Debug, Default)]
pub(super) struct Row {
    /// 档号.
    pub(super) code: Field,
    /// 存储位置.
    pub(super) location: Field,
    /// 日期.
    pub(super) date: Field,
    /// 页数.
    pub(super) pages: Field,
    /// 题名.
    pub(super) title: Field,
    /// 责任者.
    pub(super) creator: Field,
    /// 密级.
    pub(super) secrecy: Field,
    /// 案件编号.
    pub(super) case: Field,
}

const ROW_KEYS: [&str; 8] = [
    "档号",
    "存储位置",
    "日期",
    "页数",
    "题名",
    "责任者",
    "密级",
    "案件编号",
];

impl Row {
    fn set(&mut self, k: usize, f: Field) {
        match k {
            0 => self.code = f,
            1 => self.location = f,
            2 => self.date = f,
            3 => self.pages = f,
            4 => self.title = f,
            5 => self.creator = f,
            6 => self.secrecy = f,
            _ => self.case = f,
        }
    }
}

/// A field of a row as catalogue.csv prints it: text as is, nothing for
/// null, any other value as JSON.
fn csv_text(v: &Value) -> String {
    match v {
        Value::String(t) => t.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A row key: its place among [`ROW_KEYS`], and the catalogue.csv columns
/// that print it.
struct RowKeySeed<'a>(&'a [Box<str>]);

impl<'de> DeserializeSeed<'de> for RowKeySeed<'_> {
    type Value = (Option<usize>, Vec<usize>);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for RowKeySeed<'_> {
    type Value = (Option<usize>, Vec<usize>);
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        let columns = (self.0.iter().enumerate())
            .filter(|(_, c)| &***c == v)
            .map(|(i, _)| i)
            .collect();
        Ok((ROW_KEYS.iter().position(|k| *k == v), columns))
    }
}

/// One row and, for each catalogue.csv column, the row's text there (`None`:
/// the row has no such field).
type RowRead = (Row, Vec<Option<String>>);

struct RowSeed<'a>(&'a [Box<str>]);

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = RowRead;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RowRead, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = RowRead;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    // A row that is no object has no fields.
    other_values!((Row::default(), Vec::new()));
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RowRead, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, a: A) -> Result<RowRead, A::Error> {
        SkipVisitor
            .visit_seq(a)
            .map(|_| (Row::default(), Vec::new()))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<RowRead, A::Error> {
        let mut row = Row::default();
        let mut texts: Vec<Option<String>> = Vec::new();
        while let Some((k, columns)) = a.next_key_seed(RowKeySeed(self.0))? {
            if !columns.is_empty() {
                let v: Value = a.next_value()?;
                if texts.is_empty() {
                    texts = vec![None; self.0.len()];
                }
                let t = csv_text(&v);
                for c in columns {
                    texts[c] = Some(t.clone());
                }
                if let Some(k) = k {
                    row.set(k, Field::of(&v));
                }
            } else if let Some(k) = k {
                row.set(k, a.next_value()?);
            } else {
                a.next_value::<Skip>()?;
            }
        }
        Ok((row, texts))
    }
}

/// Reads catalogue.json: its 件数 and the rows of its 文件, each handed to
/// `on_row` as it is read (with its catalogue.csv texts for `columns`),
/// counted and dropped. Where 文件 repeats, only occurrence `target` (1-based) is
/// read; `files_keys` counts them, so that the caller can read the last one,
/// which is the one a JSON object keeps.
pub(super) struct CatalogueReader<'a> {
    pub(super) target: usize,
    pub(super) columns: &'a [Box<str>],
    pub(super) on_row: &'a mut dyn FnMut(&Row, &[Option<String>]),
    /// The rows read.
    pub(super) rows: usize,
    /// 件数.
    pub(super) count: Field,
    pub(super) files_keys: usize,
}

impl<'de> DeserializeSeed<'de> for &mut CatalogueReader<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for &mut CatalogueReader<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    other_values!(());
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, a: A) -> Result<(), A::Error> {
        SkipVisitor.visit_seq(a).map(|_| ())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<(), A::Error> {
        while let Some(k) = a.next_key_seed(KeySeed(&["文件", "件数"]))? {
            match k {
                Some(0) => {
                    self.files_keys += 1;
                    if self.files_keys == self.target {
                        a.next_value_seed(Rows(&mut *self))?;
                    } else {
                        a.next_value::<Skip>()?;
                    }
                }
                Some(_) => self.count = a.next_value()?,
                None => {
                    a.next_value::<Skip>()?;
                }
            }
        }
        Ok(())
    }
}

/// The value of 文件: its rows if it is an array.
struct Rows<'r, 'a>(&'r mut CatalogueReader<'a>);

impl<'de> DeserializeSeed<'de> for Rows<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Rows<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    other_values!(());
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<(), A::Error> {
        let r = self.0;
        while let Some((row, texts)) = a.next_element_seed(RowSeed(r.columns))? {
            (r.on_row)(&row, &texts);
            r.rows += 1;
        }
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<(), A::Error> {
        SkipVisitor.visit_map(a).map(|_| ())
    }
}

/// handoff.json, as the checks read it (a small file, parsed whole).
#[derive(Debug, Default)]
pub(super) struct Handoff {
    /// The file was read and is not JSON `null`.
    pub(super) present: bool,
    /// 移交名称.
    pub(super) name: Field,
    /// 签名公钥.
    pub(super) key: Field,
    /// 格式.
    pub(super) format: Field,
    /// 范围.
    pub(super) scope: Field,
    /// 案件数, 件数, 页数, 文件数, 数据量 by name.
    pub(super) counts: Vec<(&'static str, Field)>,
    /// 包摘要: (对象, 算法, 值) of each entry (an array's).
    pub(super) digests: Vec<(Field, Field, Field)>,
    /// 档号范围: (前缀, 件数) of each entry.
    pub(super) ranges: Vec<(Field, Field)>,
}

impl Handoff {
    pub(super) fn of(v: &Value) -> Handoff {
        let array = |k: &str| -> Vec<Value> {
            v.get(k)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        Handoff {
            present: !v.is_null(),
            name: Field::get(v, "移交名称"),
            key: Field::get(v, "签名公钥"),
            format: Field::get(v, "格式"),
            scope: Field::get(v, "范围"),
            counts: ["案件数", "件数", "页数", "文件数", "数据量"]
                .into_iter()
                .map(|k| (k, Field::get(v, k)))
                .collect(),
            digests: array("包摘要")
                .iter()
                .map(|d| {
                    (
                        Field::get(d, "对象"),
                        Field::get(d, "算法"),
                        Field::get(d, "值"),
                    )
                })
                .collect(),
            ranges: array("档号范围")
                .iter()
                .map(|r| (Field::get(r, "前缀"), Field::get(r, "件数")))
                .collect(),
        }
    }

    /// A count by name (案件数, 件数, …).
    pub(super) fn count(&self, k: &str) -> Option<u64> {
        self.counts
            .iter()
            .find(|(n, _)| *n == k)
            .and_then(|(_, f)| f.u64())
    }
}
