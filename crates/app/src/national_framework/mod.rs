//! The strategy's alignment with the national frameworks: the coverage report of the current
//! strategy against one framework, the coordinator's alignment and the import of a framework's
//! new version. One call for the pages and the API.

use crate::App;
use maillage_core::national_framework::{self, Coverage, FileFault, Link, check_links, coverage, normalised};
use maillage_store::national_framework::{Saved, StoredFramework};
use maillage_store::{Author, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum AlignmentError {
    /// What cannot be aligned or imported, each said in French.
    #[error("{}", .0.join(" ; "))]
    Invalid(Vec<String>),
    #[error("cadre national introuvable")]
    NotFound,
    #[error("aucune stratégie n'est chargée")]
    NoStrategy,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A local sheet as the coverage report names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalSheet {
    pub code: String,
    pub title: String,
}

/// One framework against the current strategy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alignment {
    pub strategy_code: String,
    pub strategy_title: String,
    pub sheets: Vec<LocalSheet>,
    pub framework: StoredFramework,
    pub links: Vec<Link>,
    pub coverage: Coverage,
}

/// Every framework held, and the chosen one (by code; else the first whose period meets the
/// current strategy's, else the first) against the current strategy.
pub async fn overview(app: &App, chosen: Option<&str>) -> Result<(Vec<StoredFramework>, Option<Alignment>), AlignmentError> {
    let frameworks = app.store.national_frameworks().await?;
    let Some(strategy) = app.store.current_strategy().await? else { return Ok((frameworks, None)) };
    let doc = &strategy.doc;
    // By default: an adopted framework before an announced one, then the one that shares the
    // most years with the strategy, then the latest.
    let shared =
        |f: &StoredFramework| (doc.period_end.min(f.framework.period_end) - doc.period_start.max(f.framework.period_start) + 1).max(0);
    let pick = match chosen {
        Some(code) => Some(frameworks.iter().find(|f| f.framework.code == code).ok_or(AlignmentError::NotFound)?),
        None => frameworks
            .iter()
            .max_by_key(|f| (f.framework.status == national_framework::FrameworkStatus::Adopted, shared(f), f.framework.period_start)),
    };
    let Some(stored) = pick.cloned() else { return Ok((frameworks, None)) };
    let sheets: Vec<LocalSheet> = doc.sheets().map(|(_, s)| LocalSheet { code: s.code.clone(), title: s.title.clone() }).collect();
    let codes: Vec<String> = sheets.iter().map(|s| s.code.clone()).collect();
    let links = app.store.national_alignment(&doc.code, &stored.framework.code).await?;
    let coverage = coverage(&stored.framework, &codes, &links);
    let alignment =
        Alignment { strategy_code: doc.code.clone(), strategy_title: doc.title.clone(), sheets, links, coverage, framework: stored };
    Ok((frameworks, Some(alignment)))
}

/// Replaces the current strategy's alignment with a framework; nothing is written on a fault.
pub async fn align(app: &App, by: &Author, framework_code: &str, links: &[Link]) -> Result<(), AlignmentError> {
    let frameworks = app.store.national_frameworks().await?;
    let f = frameworks.iter().find(|f| f.framework.code == framework_code).ok_or(AlignmentError::NotFound)?;
    let strategy = app.store.current_strategy().await?.ok_or(AlignmentError::NoStrategy)?;
    let codes: Vec<String> = strategy.doc.sheets().map(|(_, s)| s.code.clone()).collect();
    let faults = check_links(&f.framework, &codes, links);
    if !faults.is_empty() {
        return Err(AlignmentError::Invalid(faults));
    }
    let links = normalised(links);
    app.store.save_national_alignment(by, &strategy.doc.code, framework_code, &links).await?;
    Ok(())
}

/// Reads a frameworks file and saves, as a new version, each framework that changed. The file is
/// checked whole: on any fault, nothing is saved.
pub async fn import(app: &App, by: &Author, text: &str) -> Result<Vec<Saved>, AlignmentError> {
    let frameworks =
        national_framework::read(text).map_err(|faults| AlignmentError::Invalid(faults.iter().map(FileFault::to_string).collect()))?;
    Ok(app.store.save_national_frameworks(by, &frameworks).await?)
}

/// Every framework held, as a file that [`import`] reads back.
pub async fn export(app: &App) -> Result<String, StoreError> {
    let all: Vec<_> = app.store.national_frameworks().await?.into_iter().map(|f| f.framework).collect();
    Ok(national_framework::write(&all))
}
