//! The kinds of paper a case's record calls for (the office's papers, the
//! received ones and the dossier sheets): their names, and the template each
//! is made from. A domain notion, below both the office configuration (which
//! orders papers in the dossier) and the renderer (which plans them).

use crate::case::model::Paper;

/// A paper anjuan renders.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    AssignmentSlip,
    RegistrationForm,
    Incoming,
    AcceptNotice,
    RefuseNotice,
    ExtensionNotice,
    HearingRecord,
    Agreement,
    Opinion,
    ReportBack,
    ReviewOpinion,
    ReReviewOpinion,
    DeliveryReceipt,
    Contents,
    Notes,
    Cover,
}

impl Kind {
    pub const ALL: [Kind; 16] = [
        Kind::AssignmentSlip,
        Kind::RegistrationForm,
        Kind::Incoming,
        Kind::AcceptNotice,
        Kind::RefuseNotice,
        Kind::ExtensionNotice,
        Kind::HearingRecord,
        Kind::Agreement,
        Kind::Opinion,
        Kind::ReportBack,
        Kind::ReviewOpinion,
        Kind::ReReviewOpinion,
        Kind::DeliveryReceipt,
        Kind::Contents,
        Kind::Notes,
        Kind::Cover,
    ];

    /// The paper's name, as in file names and the dossier list.
    pub fn name(self) -> &'static str {
        match self {
            Kind::AssignmentSlip => "信访事项交办单",
            Kind::RegistrationForm => "信访事项登记表",
            Kind::Incoming => "来信来访材料",
            Kind::AcceptNotice => "受理告知书",
            Kind::RefuseNotice => "不予受理告知书",
            Kind::ExtensionNotice => "延期告知书",
            Kind::HearingRecord => "听证笔录",
            Kind::Agreement => "协议书",
            Kind::Opinion => "处理意见书",
            Kind::ReportBack => "办理情况报告",
            Kind::ReviewOpinion => "复查意见书",
            Kind::ReReviewOpinion => "复核意见书",
            Kind::DeliveryReceipt => "送达回证",
            Kind::Contents => "卷内文件目录",
            Kind::Notes => "备考表",
            Kind::Cover => "案卷封面",
        }
    }

    /// The English name, accepted by `--only`.
    pub fn slug(self) -> &'static str {
        match self {
            Kind::AssignmentSlip => "assignment-slip",
            Kind::RegistrationForm => "registration-form",
            Kind::Incoming => "incoming",
            Kind::AcceptNotice => "accept-notice",
            Kind::RefuseNotice => "refuse-notice",
            Kind::ExtensionNotice => "extension-notice",
            Kind::HearingRecord => "hearing-record",
            Kind::Agreement => "agreement",
            Kind::Opinion => "opinion",
            Kind::ReportBack => "report-back",
            Kind::ReviewOpinion => "review-opinion",
            Kind::ReReviewOpinion => "re-review-opinion",
            Kind::DeliveryReceipt => "delivery-receipt",
            Kind::Contents => "contents",
            Kind::Notes => "notes",
            Kind::Cover => "cover",
        }
    }

    /// The template that renders it.
    pub fn template(self) -> &'static str {
        match self {
            Kind::ReReviewOpinion => "review-opinion.typ",
            k => TEMPLATE_FILES[k as usize],
        }
    }

    /// Parses `--only` (Chinese name or English slug).
    pub fn parse(s: &str) -> Option<Kind> {
        let s = s.trim();
        Kind::ALL
            .into_iter()
            .find(|k| k.slug() == s || k.name() == s || (s.len() > 3 && k.name().contains(s)))
    }

    /// Papers of other bodies (DOMAIN §2): anjuan renders them only as a
    /// reference copy for the office's own use — marked, never sealed, never
    /// signed with the office key, never packed. The dossier files the
    /// received original instead.
    pub fn is_reference(self) -> bool {
        matches!(
            self,
            Kind::AssignmentSlip | Kind::ReviewOpinion | Kind::ReReviewOpinion
        )
    }

    /// The dossier item of this kind is a received file (a paper of another
    /// body, or an incoming paper), not a paper the office made.
    pub fn is_received(self) -> bool {
        self.is_reference() || self == Kind::Incoming
    }

    /// Dossier papers come last and list the others.
    pub fn is_dossier(self) -> bool {
        matches!(self, Kind::Contents | Kind::Notes | Kind::Cover)
    }

    /// The paper this kind is, when it must be served (and so needs a delivery receipt).
    pub fn served_paper(self) -> Option<Paper> {
        match self {
            Kind::AcceptNotice => Some(Paper::AcceptNotice),
            Kind::RefuseNotice => Some(Paper::RefuseNotice),
            Kind::ExtensionNotice => Some(Paper::ExtensionNotice),
            Kind::Opinion => Some(Paper::Opinion),
            Kind::ReviewOpinion => Some(Paper::ReviewOpinion),
            Kind::ReReviewOpinion => Some(Paper::ReReviewOpinion),
            _ => None,
        }
    }
}

const TEMPLATE_FILES: [&str; 16] = [
    "assignment-slip.typ",
    "registration-form.typ",
    // Incoming papers are received files, never rendered.
    "",
    "accept-notice.typ",
    "refuse-notice.typ",
    "extension-notice.typ",
    "hearing-record.typ",
    "agreement.typ",
    "opinion.typ",
    "report-back.typ",
    "review-opinion.typ",
    "review-opinion.typ",
    "delivery-receipt.typ",
    "contents.typ",
    "notes.typ",
    "cover.typ",
];
