//! The strategy's alignment with the national frameworks (`/evaluation/cadre-national`): each
//! framework held with its version and sources, the coverage of its axes by the current
//! strategy's sheets, the coordinator's alignment form and the import of a framework's new
//! version; the frameworks as a TOML file and the coverage as JSON.

use crate::auth::{CurrentUser, require};
use crate::error::{ApiError, AppError};
use crate::layout::Layout;
use crate::page::{FieldErrors, render, render_invalid};
use crate::{AppState, Routes};
use askama::Template;
use axum::Json;
use axum::extract::{Multipart, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use maillage_app::national_framework::{Alignment, AlignmentError, align, export, import, overview};
use maillage_core::authz::Action;
use maillage_core::national_framework::{Link, Measure};
use maillage_core::time_fmt;
use maillage_store::national_framework::StoredFramework;

pub fn routes(r: Routes) -> Routes {
    r.get("/evaluation/cadre-national", page)
        .post("/evaluation/cadre-national/alignement", align_submit)
        .post("/evaluation/cadre-national/import", import_submit)
        .get("/evaluation/cadre-national/cadres.toml", download)
        .get("/api/v1/cadre-national", api)
}

const PATH: &str = "/evaluation/cadre-national";

impl From<AlignmentError> for AppError {
    fn from(e: AlignmentError) -> Self {
        match e {
            AlignmentError::Invalid(faults) => AppError::InvalidFields(faults.into_iter().map(|m| ("alignement".to_string(), m)).collect()),
            AlignmentError::NotFound => AppError::NotFound,
            e @ AlignmentError::NoStrategy => AppError::Conflict(e.to_string()),
            AlignmentError::Store(e) => e.into(),
        }
    }
}

/// A sheet's line in the alignment form: each axis and measure, ticked or not.
struct SheetChoices {
    code: String,
    title: String,
    options: Vec<Choice>,
}

/// A checkbox of the alignment form.
struct Choice {
    value: String,
    label: String,
    ticked: bool,
    measure: bool,
}

#[derive(Template)]
#[template(path = "national_framework/page.html")]
struct Page {
    layout: Layout,
    frameworks: Vec<StoredFramework>,
    alignment: Option<Alignment>,
    can_edit: bool,
    choices: Vec<SheetChoices>,
    notice: Option<String>,
    errors: FieldErrors,
}

impl Page {
    fn chosen(&self) -> &str {
        self.alignment.as_ref().map_or("", |a| a.framework.framework.code.as_str())
    }

    /// The chosen framework's version, when and by whom it was saved.
    fn saved(&self) -> String {
        self.alignment.as_ref().map_or_else(String::new, |a| {
            let f = &a.framework;
            format!("version {}, enregistrée le {} par {}", f.version, time_fmt::datetime_fr(f.saved_at), f.saved_by)
        })
    }

    /// A sheet's code and title, for the coverage table.
    fn sheet_label(&self, code: &str) -> String {
        let title = self.alignment.as_ref().and_then(|a| a.sheets.iter().find(|s| s.code == code)).map_or("", |s| s.title.as_str());
        format!("{code} — {title}")
    }

    fn measure_label(m: &Measure) -> String {
        format!("Mesure {} — {}", m.number, m.title)
    }
}

/// `1.1/2` is sheet 1.1 serving axis 2; `1.1/1/1`, measure 1 of axis 1.
fn link_value(l: &Link) -> String {
    match l.measure {
        Some(m) => format!("{}/{}/{m}", l.sheet, l.axis),
        None => format!("{}/{}", l.sheet, l.axis),
    }
}

fn read_link(value: &str) -> Option<Link> {
    // A number as the form writes it: digits only, no sign, no leading zero.
    let number = |s: &str| -> Option<i32> {
        (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with('0')).then(|| s.parse().ok()).flatten()
    };
    let mut parts = value.split('/');
    let sheet = parts
        .next()
        .filter(|s| !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'))?;
    let axis = number(parts.next()?)?;
    let measure = match parts.next() {
        Some(m) => Some(number(m)?),
        None => None,
    };
    parts.next().is_none().then(|| Link { sheet: sheet.to_string(), axis, measure })
}

/// Values the form cannot have sent, shown back without what would hide or turn the text, a
/// few of them.
fn unreadable_said(values: &[String]) -> String {
    let shown: Vec<String> = values
        .iter()
        .take(3)
        .map(|v| v.chars().filter(|c| !c.is_control() && !maillage_core::text::is_invisible(*c)).take(30).collect())
        .collect();
    let more = if values.len() > 3 { format!(" et {} autre(s)", values.len() - 3) } else { String::new() };
    format!("choix illisible : « {} »{more} ; rechargez la page", shown.join(" », « "))
}

fn choices(a: &Alignment, ticked: &[Link]) -> Vec<SheetChoices> {
    a.sheets
        .iter()
        .map(|s| {
            let mut options = Vec::new();
            for axis in &a.framework.framework.axes {
                let l = Link { sheet: s.code.clone(), axis: axis.number, measure: None };
                options.push(Choice {
                    value: link_value(&l),
                    label: format!("Axe {} — {}", axis.number, axis.title),
                    ticked: ticked.contains(&l),
                    measure: false,
                });
                for m in &axis.measures {
                    let l = Link { measure: Some(m.number), ..l.clone() };
                    options.push(Choice {
                        value: link_value(&l),
                        label: Page::measure_label(m),
                        ticked: ticked.contains(&l),
                        measure: true,
                    });
                }
            }
            SheetChoices { code: s.code.clone(), title: s.title.clone(), options }
        })
        .collect()
}

#[derive(serde::Deserialize, Default)]
pub struct PageQuery {
    #[serde(default)]
    cadre: String,
    #[serde(default)]
    fait: String,
    #[serde(default)]
    retires: String,
}

fn chosen_code(cadre: &str) -> Option<&str> {
    Some(cadre.trim()).filter(|c| !c.is_empty())
}

async fn view(
    state: &AppState,
    u: &CurrentUser,
    cadre: Option<&str>,
    typed: Option<&[Link]>,
    notice: Option<String>,
    errors: FieldErrors,
) -> Result<Page, AppError> {
    let (frameworks, alignment) = overview(state, cadre).await?;
    let choices = alignment.as_ref().map(|a| choices(a, typed.unwrap_or(&a.links))).unwrap_or_default();
    Ok(Page {
        layout: Layout::new("Alignement sur la stratégie nationale", Some(u)),
        can_edit: require(Some(u), Action::AlignStrategy, "").is_ok(),
        frameworks,
        alignment,
        choices,
        notice,
        errors,
    })
}

async fn page(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<PageQuery>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewEvaluation, PATH)?;
    let notice = match q.fait.as_str() {
        "alignement" => Some("Alignement enregistré.".to_string()),
        "import" => Some(match q.retires.trim().parse::<usize>().unwrap_or(0) {
            0 => "Fichier importé : chaque cadre modifié a une nouvelle version.".to_string(),
            n => format!(
                "Fichier importé : chaque cadre modifié a une nouvelle version. {n} lien(s) d'alignement vers des axes ou des mesures que la nouvelle version retire ont été supprimés."
            ),
        }),
        "inchange" => Some("Fichier lu : aucun cadre n'a changé, aucune version n'a été créée.".to_string()),
        _ => None,
    };
    render(&view(&state, u, chosen_code(&q.cadre), None, notice, FieldErrors::default()).await?)
}

async fn align_submit(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::AlignStrategy, PATH)?;
    let mut cadre = String::new();
    let mut links = Vec::new();
    let mut unreadable = Vec::new();
    for (k, v) in pairs {
        match k.as_str() {
            "cadre" => cadre = v,
            "lien" => match read_link(&v) {
                Some(l) => links.push(l),
                None => unreadable.push(v),
            },
            _ => {}
        }
    }
    let Some(code) = chosen_code(&cadre).map(str::to_string) else {
        return Err(AppError::BadRequest("le cadre national à aligner manque".into()));
    };
    let outcome = if unreadable.is_empty() {
        align(&state, &u.author(), &code, &links).await
    } else {
        Err(AlignmentError::Invalid(vec![unreadable_said(&unreadable)]))
    };
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("{PATH}?cadre={code}&fait=alignement")).into_response()),
        Err(AlignmentError::Invalid(faults)) => {
            let errors = FieldErrors::from(faults.into_iter().map(|m| ("alignement".to_string(), m)).collect::<Vec<_>>());
            render_invalid(&view(&state, u, Some(&code), Some(&links), None, errors).await?)
        }
        Err(e) => Err(e.into()),
    }
}

async fn import_submit(State(state): State<AppState>, user: Option<CurrentUser>, mut multipart: Multipart) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::AlignStrategy, PATH)?;
    let fail = async |m: Vec<String>| -> Result<Response, AppError> {
        let errors = FieldErrors::from(m.into_iter().map(|m| ("fichier".to_string(), m)).collect::<Vec<_>>());
        render_invalid(&view(&state, u, None, None, None, errors).await?)
    };
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return fail(vec![crate::error::multipart_refusal(&e)]).await,
        };
        if field.name() == Some("fichier") {
            if file.is_some() {
                return fail(vec!["Envoyez un seul fichier à la fois.".into()]).await;
            }
            let name = field.file_name().unwrap_or("cadres.toml").to_string();
            match field.bytes().await {
                Ok(b) => file = Some((name, b.to_vec())),
                Err(e) => return fail(vec![crate::error::multipart_refusal(&e)]).await,
            }
        }
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return fail(vec!["Choisissez un fichier de cadres nationaux (.toml) à importer.".into()]).await;
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return fail(vec![format!("{name} : le fichier n'est pas du texte UTF-8.")]).await;
    };
    match import(&state, &u.author(), &text).await {
        Ok(saved) if saved.is_empty() => Ok(Redirect::to(&format!("{PATH}?fait=inchange")).into_response()),
        Ok(saved) => {
            let dropped: usize = saved.iter().map(|s| s.links_dropped).sum();
            Ok(Redirect::to(&format!("{PATH}?cadre={}&fait=import&retires={dropped}", saved[0].code)).into_response())
        }
        Err(AlignmentError::Invalid(faults)) => fail(faults).await,
        Err(e) => Err(e.into()),
    }
}

async fn download(State(state): State<AppState>, user: Option<CurrentUser>) -> Result<Response, AppError> {
    require(user.as_ref(), Action::ViewEvaluation, PATH)?;
    let body = export(&state).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/toml; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"cadres-nationaux.toml\""),
        ],
        body,
    )
        .into_response())
}

/// `GET /api/v1/cadre-national?cadre=…`: the frameworks held and the chosen one's coverage by
/// the current strategy.
async fn api(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Query(q): Query<PageQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    require(user.as_ref(), Action::ViewEvaluation, "/api/v1/cadre-national")?;
    let (frameworks, alignment) = overview(&state, chosen_code(&q.cadre)).await?;
    let frameworks: Vec<serde_json::Value> = frameworks
        .iter()
        .map(|f| {
            serde_json::json!({
                "framework": f.framework,
                "version": f.version,
                "saved_at": time_fmt::to_storage(f.saved_at),
            })
        })
        .collect();
    let coverage = alignment.map(|a| {
        serde_json::json!({
            "strategy": a.strategy_code,
            "framework": a.framework.framework.code,
            "axes_covered": a.coverage.covered(),
            "axes": a.coverage.axes.iter().map(|x| serde_json::json!({
                "number": x.number,
                "title": x.title,
                "sheets": x.sheets,
                "measures": x.measures.iter().map(|(m, sheets)| serde_json::json!({"number": m.number, "title": m.title, "sheets": sheets})).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "unaligned_sheets": a.coverage.unaligned,
        })
    });
    Ok(Json(serde_json::json!({ "frameworks": frameworks, "coverage": coverage })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_values_read_back() {
        for l in [Link { sheet: "1.1".into(), axis: 2, measure: None }, Link { sheet: "3.2".into(), axis: 1, measure: Some(1) }] {
            assert_eq!(read_link(&link_value(&l)), Some(l));
        }
        for bad in ["", "1.1", "1.1/x", "/1", "1.1/1/1/1", "1.1/1/", "1.1/+2", "1.1/0002", "1.1/-1", "1.1\u{202e}/1", "1.1/99999999999"] {
            assert_eq!(read_link(bad), None, "{bad}");
        }
        let said = unreadable_said(&["1.1\u{202e}/1".into(), "a".into(), "b".into(), "c".into()]);
        assert_eq!(said, "choix illisible : « 1.1/1 », « a », « b » et 1 autre(s) ; rechargez la page");
    }
}
