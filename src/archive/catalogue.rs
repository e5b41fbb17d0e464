//! The catalogue (归档文件目录, DA/T 22 columns) and per-item metadata with the
//! element names of DA/T 46-2009, as JSON and CSV. Pure data → bytes.

use serde::{Deserialize, Serialize};

/// 电子签名 (DA/T 46 element 电子签名 and its sub-elements).
#[derive(Clone, Debug, Serialize)]
pub struct Signature {
    #[serde(rename = "签名规则")]
    pub rule: String,
    #[serde(rename = "签名时间")]
    pub time: String,
    #[serde(rename = "签名人")]
    pub signer: String,
    #[serde(rename = "签名结果")]
    pub result: String,
    #[serde(rename = "证书")]
    pub certificate: String,
    #[serde(rename = "签名算法标识")]
    pub algorithm: String,
    #[serde(rename = "可信注释")]
    pub trusted_comment: String,
}

/// 业务行为 (DA/T 46): what was done with the document, when, on what basis.
#[derive(Clone, Debug, Serialize)]
pub struct Action {
    #[serde(rename = "行为时间")]
    pub time: String,
    #[serde(rename = "行为依据")]
    pub basis: String,
    #[serde(rename = "行为描述")]
    pub description: String,
}

/// 来源 of a paper the office made.
pub const MADE: &str = "形成";
/// 来源 of a file the office received and files as received.
pub const RECEIVED: &str = "接收";

/// One 件 with its metadata.
#[derive(Clone, Debug, Serialize)]
pub struct Item {
    #[serde(rename = "序号")]
    pub no: usize,
    #[serde(rename = "档号")]
    pub code: String,
    #[serde(rename = "全宗号")]
    pub fonds: String,
    #[serde(rename = "年度")]
    pub year: i32,
    #[serde(rename = "保管期限")]
    pub retention: String,
    #[serde(rename = "机构")]
    pub office_code: String,
    #[serde(rename = "件号")]
    pub item: u32,
    #[serde(rename = "文件编号")]
    pub number: String,
    #[serde(rename = "责任者")]
    pub author: String,
    #[serde(rename = "题名")]
    pub title: String,
    #[serde(rename = "日期")]
    pub date: String,
    #[serde(rename = "密级")]
    pub secrecy: String,
    #[serde(rename = "页数")]
    pub pages: usize,
    #[serde(rename = "备注")]
    pub remarks: String,
    #[serde(rename = "案件编号")]
    pub case: String,
    #[serde(rename = "文书种类")]
    pub kind: String,
    #[serde(rename = "格式信息")]
    pub format: String,
    /// 来源: [`MADE`] for a paper the office made, [`RECEIVED`] for a file it
    /// received (a paper of another body, an incoming paper).
    #[serde(rename = "来源")]
    pub source: String,
    #[serde(rename = "计算机文件名")]
    pub file: String,
    #[serde(rename = "计算机文件大小")]
    pub size: u64,
    #[serde(rename = "存储位置")]
    pub location: String,
    /// For a paper that must be served: true (its receipts name its 档号).
    #[serde(rename = "需送达", skip_serializing_if = "std::ops::Not::not")]
    pub must_serve: bool,
    /// For a delivery receipt: the 档号 of the paper it proves was served.
    #[serde(rename = "送达文书", skip_serializing_if = "Option::is_none")]
    pub serves: Option<String>,
    #[serde(rename = "电子签名", skip_serializing_if = "Option::is_none")]
    pub signature: Option<Signature>,
    #[serde(rename = "业务行为")]
    pub actions: Vec<Action>,
}

/// One row of the catalogue (归档文件目录): the DA/T 22 columns, and where the
/// item is. The full DA/T 46 metadata of each item is in its case's `metadata.json`.
/// (Read back, `year` and `item` are 0: they are not written.)
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Row {
    #[serde(rename = "序号")]
    pub no: usize,
    #[serde(rename = "档号")]
    pub code: String,
    #[serde(rename = "文号")]
    pub number: String,
    #[serde(rename = "责任者")]
    pub author: String,
    #[serde(rename = "题名")]
    pub title: String,
    #[serde(rename = "日期")]
    pub date: String,
    #[serde(rename = "密级")]
    pub secrecy: String,
    #[serde(rename = "页数")]
    pub pages: usize,
    #[serde(rename = "备注")]
    pub remarks: String,
    #[serde(rename = "案件编号")]
    pub case: String,
    #[serde(rename = "文书种类")]
    pub kind: String,
    #[serde(rename = "计算机文件名")]
    pub file: String,
    #[serde(rename = "存储位置")]
    pub location: String,
    #[serde(skip)]
    pub year: i32,
    #[serde(skip)]
    pub item: u32,
}

impl From<&Item> for Row {
    fn from(it: &Item) -> Row {
        Row {
            no: it.no,
            code: it.code.clone(),
            number: it.number.clone(),
            author: it.author.clone(),
            title: it.title.clone(),
            date: it.date.clone(),
            secrecy: it.secrecy.clone(),
            pages: it.pages,
            remarks: it.remarks.clone(),
            case: it.case.clone(),
            kind: it.kind.clone(),
            file: it.file.clone(),
            location: it.location.clone(),
            year: it.year,
            item: it.item,
        }
    }
}

/// The catalogue as JSON: a header and the rows in 档号 order (`items`: the
/// rows, or anything that serialises as their sequence).
#[derive(Clone, Debug, Serialize)]
pub struct Catalogue<I = Vec<Row>> {
    #[serde(rename = "题名")]
    pub title: String,
    #[serde(rename = "立档单位")]
    pub office: String,
    #[serde(rename = "全宗号")]
    pub fonds: String,
    #[serde(rename = "年度")]
    pub years: Vec<i32>,
    #[serde(rename = "整理日期")]
    pub date: String,
    #[serde(rename = "案件数")]
    pub cases: usize,
    #[serde(rename = "件数")]
    pub count: usize,
    #[serde(rename = "页数")]
    pub pages: usize,
    #[serde(rename = "文件")]
    pub items: I,
}

impl<I: Serialize> Catalogue<I> {
    /// Writes the catalogue as JSON to `w` (streamed, not built in memory).
    pub fn write_json<W: std::io::Write>(&self, mut w: W) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut w, self)?;
        w.write_all(b"\n")
    }
}

/// The DA/T 22 columns (and the case number and file name), UTF-8 with a BOM so
/// that spreadsheet programs on Chinese Windows read it as UTF-8.
pub fn write_csv<W: std::io::Write>(rows: &[Row], out: W) -> Result<(), csv::Error> {
    write_csv_rows(rows.iter().map(Ok), out)
}

/// [`write_csv`] of rows as they are read (a row that cannot be read stops it).
pub fn write_csv_rows<W, R>(
    rows: impl IntoIterator<Item = std::io::Result<R>>,
    mut out: W,
) -> Result<(), csv::Error>
where
    W: std::io::Write,
    R: std::borrow::Borrow<Row>,
{
    out.write_all(b"\xEF\xBB\xBF")?;
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    w.write_record([
        "序号",
        "档号",
        "文号",
        "责任者",
        "题名",
        "日期",
        "密级",
        "页数",
        "备注",
        "案件编号",
        "计算机文件名",
    ])?;
    for it in rows {
        let it = it?;
        let it: &Row = it.borrow();
        w.write_record([
            it.no.to_string(),
            it.code.clone(),
            it.number.clone(),
            it.author.clone(),
            it.title.clone(),
            it.date.clone(),
            it.secrecy.clone(),
            it.pages.to_string(),
            it.remarks.clone(),
            it.case.clone(),
            it.file.clone(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_has_bom() {
        let it = Item {
            no: 1,
            code: "X012-WS·2026-D30-XFB-0001".into(),
            fonds: "X012".into(),
            year: 2026,
            retention: "30年".into(),
            office_code: "XFB".into(),
            item: 1,
            number: "柳政信处字〔2026〕3号".into(),
            author: "青溪县柳河镇人民政府".into(),
            title: "关于\"x\",y的处理意见书".into(),
            date: "20260310".into(),
            secrecy: String::new(),
            pages: 2,
            remarks: String::new(),
            case: "XF-2026-0001".into(),
            kind: "处理意见书".into(),
            format: "PDF/A-2b".into(),
            source: MADE.into(),
            file: "03-处理意见书.pdf".into(),
            size: 10,
            location: "data/XF-2026-0001/03-处理意见书.pdf".into(),
            must_serve: true,
            serves: None,
            signature: None,
            actions: vec![],
        };
        let mut out = Vec::new();
        write_csv(&[Row::from(&it)], &mut out).unwrap();
        assert!(out.starts_with(b"\xEF\xBB\xBF\xE5\xBA\x8F"));
        let text = String::from_utf8(out[3..].to_vec()).unwrap();
        assert!(text.contains("\"关于\"\"x\"\",y的处理意见书\""), "{text}");
        let mut r = csv::Reader::from_reader(&out[3..]);
        let rec = r.records().next().unwrap().unwrap();
        assert_eq!(&rec[4], "关于\"x\",y的处理意见书");
    }
}
