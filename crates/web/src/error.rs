//! All mapping from errors to HTTP statuses lives here: HTML pages for people, JSON for the API.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maillage_app::report::TransitionError;
use maillage_app::report::export::ExportError;
use maillage_app::report::photo::AddPhotoError;
use maillage_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Nobody is logged in; `next` is where to come back after login.
    #[error("connexion requise")]
    NeedsLogin { next: String },
    #[error("accès refusé")]
    Forbidden,
    /// A report the user's organisation has no part in.
    #[error("signalement d'une autre organisation")]
    NotYourReport,
    /// An activity another organisation recorded, or none: told alike.
    #[error("action d'une autre organisation")]
    NotYourActivity,
    /// An alert that does not concern the reader, or none: told alike.
    #[error("alerte d'une autre organisation")]
    NotYourAlert,
    /// A group's situations, refused under the charter (not a member, excluded, not signed or
    /// accepted, no second factor): the reason is said.
    #[error("{0}")]
    CaseRefused(maillage_core::working_group::AccessRefused),
    #[error("page introuvable")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    /// A submission with faulty fields: (field, French message) each.
    #[error("champs invalides")]
    InvalidFields(Vec<(String, String)>),
    /// A file with faulty lines: each with its line and column; nothing was written.
    #[error("fichier refusé")]
    InvalidLines(Vec<maillage_app::indicator::declared_csv::LineFault>),
    #[error("{0}")]
    Conflict(String),
    #[error("trop de tentatives")]
    TooManyRequests,
    /// A form posted from another site (refused by the CSRF layer).
    #[error("requête d'un autre site")]
    CrossSite,
    /// A body larger than the configured limit.
    #[error("contenu trop volumineux")]
    TooLarge,
    /// A method this address does not take (a GET is led to the page instead).
    #[error("méthode non permise")]
    MethodNotAllowed,
    /// Anything else: logged with its cause, never shown.
    #[error("erreur interne : {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

// Every variant is named, so that a new store error must be given its status here.
impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => AppError::NotFound,
            StoreError::Conflict(m) => AppError::Conflict(m),
            StoreError::Invalid(m) => AppError::BadRequest(m),
            e @ (StoreError::Connect { .. }
            | StoreError::BadUrl(_)
            | StoreError::Migrate(_)
            | StoreError::Database(_)
            | StoreError::Io(_)
            | StoreError::Corrupt { .. }
            | StoreError::Journal(_)) => AppError::internal(e),
        }
    }
}

impl From<ExportError> for AppError {
    fn from(e: ExportError) -> Self {
        match e {
            ExportError::TooManyRows => AppError::BadRequest(e.to_string()),
            ExportError::Store(e) => e.into(),
            e @ (ExportError::Csv(_) | ExportError::Io(_) | ExportError::Spreadsheet(_)) => AppError::internal(e),
        }
    }
}

impl From<TransitionError> for AppError {
    fn from(e: TransitionError) -> Self {
        match e {
            TransitionError::Store(e) => e.into(),
            e @ TransitionError::Workflow(_) => AppError::Conflict(e.to_string()),
            e @ (TransitionError::UnknownOriginal(_) | TransitionError::UnknownOrganisation) => AppError::BadRequest(e.to_string()),
        }
    }
}

impl From<AddPhotoError> for AppError {
    fn from(e: AddPhotoError) -> Self {
        match e {
            e @ AddPhotoError::Refused(_) => AppError::BadRequest(e.to_string()),
            AddPhotoError::Store(e) => e.into(),
            e @ (AddPhotoError::Io(_) | AddPhotoError::Interrupted(_)) => AppError::internal(e),
        }
    }
}

impl From<maillage_app::working_group::CaseError> for AppError {
    fn from(e: maillage_app::working_group::CaseError) -> Self {
        use maillage_app::working_group::CaseError;
        match e {
            CaseError::Invalid(faults) => AppError::InvalidFields(faults.into_iter().map(|(f, m)| (f.to_string(), m)).collect()),
            e @ CaseError::AlreadyFollowed(_) => AppError::Conflict(e.to_string()),
            CaseError::Store(e) => e.into(),
            e @ (CaseError::NoKeyring | CaseError::Keyring(_) | CaseError::Unreadable(_)) => AppError::internal(e),
        }
    }
}

impl From<maillage_app::activity::photo::ActivityPhotoError> for AppError {
    fn from(e: maillage_app::activity::photo::ActivityPhotoError) -> Self {
        use maillage_app::activity::photo::ActivityPhotoError;
        match e {
            e @ ActivityPhotoError::Refused(_) => AppError::BadRequest(e.to_string()),
            ActivityPhotoError::Photo(e) => e.into(),
            ActivityPhotoError::Store(e) => e.into(),
        }
    }
}

impl From<maillage_app::activity::ActivityError> for AppError {
    fn from(e: maillage_app::activity::ActivityError) -> Self {
        use maillage_app::activity::ActivityError;
        match e {
            ActivityError::Invalid(faults) => AppError::InvalidFields(faults.into_iter().map(|(f, m)| (f.to_string(), m)).collect()),
            ActivityError::Store(e) => e.into(),
        }
    }
}

impl From<maillage_app::alert::AlertError> for AppError {
    fn from(e: maillage_app::alert::AlertError) -> Self {
        use maillage_app::alert::AlertError;
        match e {
            AlertError::Invalid(faults) => AppError::InvalidFields(faults.into_iter().map(|(f, m)| (f.to_string(), m)).collect()),
            AlertError::Store(e) => e.into(),
        }
    }
}

impl From<maillage_app::video_requests::VideoError> for AppError {
    fn from(e: maillage_app::video_requests::VideoError) -> Self {
        use maillage_app::video_requests::VideoError;
        match e {
            VideoError::Invalid(faults) => AppError::InvalidFields(faults.into_iter().map(|(f, m)| (f.to_string(), m)).collect()),
            VideoError::Store(e) => e.into(),
        }
    }
}

impl From<maillage_app::walk::WalkError> for AppError {
    fn from(e: maillage_app::walk::WalkError) -> Self {
        use maillage_app::walk::WalkError;
        match e {
            WalkError::Invalid(faults) => AppError::InvalidFields(faults.into_iter().map(|(f, m)| (f.to_string(), m)).collect()),
            WalkError::Store(e) => e.into(),
        }
    }
}

impl From<maillage_app::indicator::IndicatorError> for AppError {
    fn from(e: maillage_app::indicator::IndicatorError) -> Self {
        use maillage_app::indicator::IndicatorError;
        match e {
            IndicatorError::Invalid(faults) => AppError::InvalidFields(faults),
            IndicatorError::Refused(r) => AppError::Conflict(r.to_string()),
            e @ IndicatorError::NotDeclared => AppError::BadRequest(e.to_string()),
            IndicatorError::NotFound => AppError::NotFound,
            IndicatorError::Store(e) => e.into(),
        }
    }
}

impl From<maillage_app::decision::DecisionError> for AppError {
    fn from(e: maillage_app::decision::DecisionError) -> Self {
        use maillage_app::decision::DecisionError;
        match e {
            DecisionError::Invalid(faults) => AppError::InvalidFields(faults),
            DecisionError::NotFound => AppError::NotFound,
            e @ DecisionError::Adopted(_) => AppError::Conflict(e.to_string()),
            DecisionError::Store(e) => e.into(),
        }
    }
}

impl From<maillage_app::indicator::declared_csv::ImportError> for AppError {
    fn from(e: maillage_app::indicator::declared_csv::ImportError) -> Self {
        use maillage_app::indicator::declared_csv::ImportError;
        match e {
            ImportError::Lines(list) => AppError::InvalidLines(list),
            ImportError::Store(e) => e.into(),
        }
    }
}

impl From<maillage_app::evaluation::ExportError> for AppError {
    fn from(e: maillage_app::evaluation::ExportError) -> Self {
        use maillage_app::evaluation::ExportError;
        match e {
            ExportError::Store(e) => e.into(),
            ExportError::NoStrategy => AppError::NotFound,
            e @ (ExportError::Csv(_) | ExportError::Io(_) | ExportError::Office(_) | ExportError::Pdf(_) | ExportError::Task(_)) => {
                AppError::internal(e)
            }
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::internal(e)
    }
}

impl From<std::fmt::Error> for AppError {
    fn from(e: std::fmt::Error) -> Self {
        AppError::internal(e)
    }
}

impl AppError {
    /// An unexpected failure, kept with its cause for the log.
    pub fn internal(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        AppError::Internal(e.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NeedsLogin { .. } => StatusCode::UNAUTHORIZED,
            AppError::Forbidden
            | AppError::NotYourReport
            | AppError::NotYourActivity
            | AppError::NotYourAlert
            | AppError::CaseRefused(_) => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::InvalidFields(_) | AppError::InvalidLines(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::CrossSite => StatusCode::FORBIDDEN,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A stable machine-readable code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NeedsLogin { .. } => "unauthenticated",
            AppError::Forbidden
            | AppError::NotYourReport
            | AppError::NotYourActivity
            | AppError::NotYourAlert
            | AppError::CaseRefused(_) => "forbidden",
            AppError::NotFound => "not_found",
            AppError::BadRequest(_) => "bad_request",
            AppError::InvalidFields(_) => "invalid_fields",
            AppError::InvalidLines(_) => "invalid_lines",
            AppError::Conflict(_) => "conflict",
            AppError::TooManyRequests => "too_many_requests",
            AppError::CrossSite => "cross_site",
            AppError::TooLarge => "too_large",
            AppError::MethodNotAllowed => "method_not_allowed",
            AppError::Internal(_) => "internal",
        }
    }

    /// The page's title: what happened, in a few words (the message says why).
    fn title_fr(&self) -> &'static str {
        match self {
            AppError::NeedsLogin { .. } => "Connexion requise",
            AppError::Forbidden
            | AppError::NotYourReport
            | AppError::NotYourActivity
            | AppError::NotYourAlert
            | AppError::CaseRefused(_) => "Accès refusé",
            AppError::NotFound => "Page introuvable",
            AppError::BadRequest(_) | AppError::InvalidFields(_) | AppError::InvalidLines(_) => "Demande incomplète ou invalide",
            AppError::Conflict(_) => "Modification impossible",
            AppError::TooManyRequests => "Trop de tentatives",
            AppError::CrossSite => "Envoi refusé",
            AppError::TooLarge => "Contenu trop volumineux",
            AppError::MethodNotAllowed => "Méthode non permise",
            AppError::Internal(_) => "Erreur interne",
        }
    }

    fn message_fr(&self) -> String {
        match self {
            AppError::NeedsLogin { .. } => "Veuillez vous connecter.".into(),
            AppError::Forbidden => {
                "Cette page n'est pas ouverte à votre compte. Si vous pensez devoir y accéder, demandez-le à la coordination du CLSPD.".into()
            }
            AppError::NotYourActivity => "Cette action n'existe pas ou n'a pas été enregistrée par votre organisation : chaque partenaire voit les siennes, la coordination du CLSPD toutes.".into(),
            AppError::NotYourAlert => "Cette alerte n'existe pas ou ne concerne pas votre organisation : chacun voit les alertes lancées par son organisation ou reçues, la coordination du CLSPD toutes.".into(),
            AppError::NotYourReport => "Ce signalement n'existe pas ou ne concerne pas votre organisation : seules les organisations qui y ont une part et la coordination du CLSPD le voient.".into(),
            AppError::CaseRefused(r) => {
                use maillage_core::working_group::AccessRefused;
                let what = match r {
                    AccessRefused::NoSecondFactor => "Activez-la dans « Mon compte », puis reconnectez-vous avec votre code.",
                    AccessRefused::NotAccepted => "Lisez la charte et acceptez-la depuis la page du groupe.",
                    AccessRefused::InstitutionNotSigned => "La coordination du CLSPD enregistre la signature de votre institution.",
                    AccessRefused::NotMember => "Si vous devez participer à ses travaux, demandez-le à l'animateur du groupe ou à la coordination du CLSPD.",
                    AccessRefused::Excluded => "L'exclusion prend effet immédiatement.",
                };
                let mut m = r.to_string();
                if let Some(first) = m.get(..1) {
                    m = first.to_uppercase() + &m[1..];
                }
                format!("{m}. {what}")
            }
            AppError::NotFound => "Cette page n'existe pas ou plus.".into(),
            AppError::BadRequest(m) => format!("Requête invalide : {m}"),
            AppError::InvalidFields(list) => {
                format!("Champs invalides : {}", list.iter().map(|(_, m)| m.as_str()).collect::<Vec<_>>().join(" ; "))
            }
            AppError::InvalidLines(list) => format!(
                "Fichier refusé, rien n'a été importé : {}",
                list.iter().map(|f| format!("ligne {} ({}) : {}", f.line, if f.column.is_empty() { "—" } else { &f.column }, f.message)).collect::<Vec<_>>().join(" ; ")
            ),
            AppError::Conflict(m) => format!("Conflit : {m}"),
            AppError::TooManyRequests => "Trop de tentatives : réessayez dans quelques minutes.".into(),
            AppError::CrossSite => "Ce formulaire a été envoyé depuis un autre site : il n'est pas accepté. Revenez sur la page de Maillage et envoyez-le de là.".into(),
            AppError::TooLarge => "Le contenu envoyé dépasse la taille permise. Réduisez la taille du fichier (une photo, par exemple) et réessayez.".into(),
            AppError::MethodNotAllowed => "Cette adresse ne reçoit pas ce type de requête.".into(),
            // Details go to the log, not to the page.
            AppError::Internal(_) => "Une erreur interne est survenue. Elle a été consignée.".into(),
        }
    }
}

/// A JSON body the API could not read, said in French (axum's own text names internal types).
pub fn json_refusal(e: &axum::extract::rejection::JsonRejection) -> AppError {
    use axum::extract::rejection::JsonRejection;
    match e {
        _ if e.status() == StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge,
        JsonRejection::MissingJsonContentType(_) => AppError::BadRequest("type de contenu attendu : application/json".into()),
        JsonRejection::JsonSyntaxError(_) => AppError::BadRequest("le corps n'est pas du JSON lisible".into()),
        JsonRejection::JsonDataError(d) => AppError::BadRequest(json_data_fault(&d.body_text())),
        _ => AppError::BadRequest("le corps de la requête n'a pas pu être lu".into()),
    }
}

/// Which field of a JSON body did not fit, from serde's text ("…target type: path: what"):
/// the path when it is plain (keys, indexes), the field named when missing or unknown.
fn json_data_fault(text: &str) -> String {
    let plain = |v: &str| !v.is_empty() && v.len() <= 80 && v.chars().all(|c| c.is_ascii_alphanumeric() || "_.[]".contains(c));
    let detail = text.split_once("target type: ").map_or("", |(_, rest)| rest);
    let (path, what) = detail.split_once(": ").unwrap_or(("", detail));
    let quoted = |marker: &str| what.split_once(marker).and_then(|(_, r)| r.split_once('`')).map(|(name, _)| name).filter(|n| plain(n));
    // serde's path ends with the field itself when it is unknown, not when it is missing.
    let at = |field: &str| match path {
        p if !plain(p) || p == "." => field.to_string(),
        p if p == field || p.ends_with(&format!(".{field}")) => p.to_string(),
        p => format!("{p}.{field}"),
    };
    if let Some(name) = quoted("missing field `") {
        format!("le champ « {} » manque (voir la description de l'API)", at(name))
    } else if let Some(name) = quoted("unknown field `") {
        format!("le champ « {} » n'existe pas (voir la description de l'API)", at(name))
    } else if plain(path) && path != "." {
        format!("le champ « {path} » n'a pas le type attendu (voir la description de l'API)")
    } else {
        "un champ du JSON manque ou n'a pas le type attendu (voir la description de l'API)".into()
    }
}

/// A multipart form (a file sent) that could not be read to its end, said in French.
pub fn multipart_refusal(e: &axum::extract::multipart::MultipartError) -> String {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        "Le fichier dépasse la taille permise : envoyez un fichier plus petit.".into()
    } else {
        "Envoi illisible : le formulaire n'a pas été reçu en entier. Réessayez.".into()
    }
}

/// Marks a redirect to the login page, so that [`login_target`] can aim it at the page asked for.
#[derive(Clone, Copy, Debug)]
struct LoginRedirect;

/// After login, a visitor comes back to the page they asked for (a link from an e-mail to a
/// report, say), not to the section the handler names: for a GET, the login redirect carries
/// the request's own path and query.
pub async fn login_target(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let asked = (request.method() == axum::http::Method::GET).then(|| request.uri().path_and_query().map(ToString::to_string)).flatten();
    let mut response = next.run(request).await;
    if let (Some(asked), Some(_)) = (asked, response.extensions().get::<LoginRedirect>()) {
        let target = format!("/connexion?suite={}", crate::layout::url_encode(&asked));
        if let Ok(value) = axum::http::HeaderValue::from_str(&target) {
            response.headers_mut().insert(axum::http::header::LOCATION, value);
        }
    }
    response
}

/// A panic in a handler is answered in the format of what was asked: the JSON API's error
/// object, Open311's error document, or the HTML error page; the panic goes to the log. (The
/// outer catch-panic layer stays as the last resort.)
pub async fn panics_in_format(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    use futures_util::FutureExt;
    let path = request.uri().path().to_string();
    match std::panic::AssertUnwindSafe(next.run(request)).catch_unwind().await {
        Ok(response) => response,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(ToString::to_string)
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let e = AppError::internal(format!("panique : {what}"));
            if path.starts_with("/api/") {
                ApiError(e).into_response()
            } else if path.starts_with("/open311/") {
                tracing::error!(detail = %e, "internal error");
                crate::report::open311::internal_error(&path)
            } else {
                e.into_response()
            }
        }
    }
}

/// The HTML error page.
#[derive(askama::Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: crate::layout::Layout,
    status: u16,
    message: String,
}

/// What an error page says, kept on the response so that [`error_pages_with_menu`] can draw it
/// again inside the logged-in user's frame.
#[derive(Clone, Debug)]
struct ErrorShown {
    title: &'static str,
    status: u16,
    message: String,
}

/// A form whose text is not UTF-8 once decoded is refused whole, before any handler: decoders
/// would otherwise put U+FFFD in its place and store it. The refusal is the framework's kind
/// (plain 400), said in French (or in the API's format) by [`error_pages_with_menu`].
pub async fn unreadable_forms(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let is_form = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    // The body limit is outside this layer: a body over it fails here, and is said as such.
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "body too large").into_response();
    };
    let readable = bytes.split(|b| *b == b'&').flat_map(|pair| pair.splitn(2, |b| *b == b'=')).all(|part| {
        let spaced: Vec<u8> = part.iter().map(|b| if *b == b'+' { b' ' } else { *b }).collect();
        percent_encoding::percent_decode(&spaced).decode_utf8().is_ok()
    });
    if !readable {
        return (StatusCode::BAD_REQUEST, "form is not UTF-8").into_response();
    }
    next.run(axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes))).await
}

/// Error pages keep the menu of the user who is logged in (the error itself is drawn without
/// a user, since an error knows nothing of the request).
pub async fn error_pages_with_menu(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    // The session is kept aside; the user is read only when an error page is drawn, so that
    // other requests (the stylesheet, Open311) cost nothing more.
    let session = request.extensions().get::<tower_sessions::Session>().cloned();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    // What the framework and its layers refuse themselves (a form without its content type, a
    // malformed JSON body, a cross-site post, a body too large) comes in English plain text or
    // empty: said in French, as our own errors, in the API's format under /api.
    if let Some(e) = framework_refusal(&response) {
        return if path.starts_with("/api/") {
            ApiError(e).into_response()
        } else if path.starts_with("/open311/") {
            crate::report::open311::refusal(&path, e.status(), e.code())
        } else {
            with_user(e.into_response(), session, &state).await
        };
    }
    with_user(response, session, &state).await
}

/// The error a refusal from outside our handlers stands for, if the response is one.
fn framework_refusal(response: &Response) -> Option<AppError> {
    let content_type = response.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let ours = response.extensions().get::<ErrorShown>().is_some() || content_type.is_some_and(|v| !v.starts_with("text/plain"));
    if !response.status().is_client_error() || ours {
        return None;
    }
    Some(if response.extensions().get::<tower_http::csrf::ProtectionError>().is_some() {
        AppError::CrossSite
    } else {
        match response.status() {
            StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge,
            StatusCode::METHOD_NOT_ALLOWED => AppError::MethodNotAllowed,
            _ => AppError::BadRequest("le contenu envoyé n'a pas pu être lu (formulaire ou JSON attendu)".into()),
        }
    })
}

/// An error page drawn again inside the logged-in user's frame.
async fn with_user(response: Response, session: Option<tower_sessions::Session>, state: &crate::AppState) -> Response {
    let Some(shown) = response.extensions().get::<ErrorShown>().cloned() else { return response };
    let user = match session {
        Some(s) => crate::auth::user_of_session(&s, state).await.ok().flatten(),
        None => None,
    };
    let Some(user) = user else { return response };
    let page = ErrorPage { layout: crate::layout::Layout::new(shown.title, Some(&user)), status: shown.status, message: shown.message };
    match askama::Template::render(&page) {
        Ok(body) => {
            let (mut head, _) = response.into_parts();
            head.headers.remove(axum::http::header::CONTENT_LENGTH);
            Response::from_parts(head, axum::body::Body::from(body))
        }
        Err(_) => response,
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::NeedsLogin { next } = &self {
            let target = format!("/connexion?suite={}", crate::layout::url_encode(next));
            let mut response = Redirect::to(&target).into_response();
            // `login_target` puts the page actually asked for in its place.
            response.extensions_mut().insert(LoginRedirect);
            return response;
        }
        if let AppError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let shown = ErrorShown { title: self.title_fr(), status: self.status().as_u16(), message: self.message_fr() };
        let page =
            ErrorPage { layout: crate::layout::Layout::anonymous(shown.title), status: shown.status, message: shown.message.clone() };
        let body = askama::Template::render(&page).unwrap_or_else(|_| self.message_fr());
        let mut response = (self.status(), axum::response::Html(body)).into_response();
        response.extensions_mut().insert(shown);
        response
    }
}

/// The same errors for the JSON API: `{"error": code, "message": text}`, never a redirect.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self.0 {
            tracing::error!(%detail, "internal error");
        }
        let mut body = serde_json::json!({ "error": self.0.code(), "message": self.0.message_fr() });
        if let AppError::InvalidFields(list) = &self.0 {
            body["fields"] = list.iter().map(|(f, m)| serde_json::json!({ "field": f, "message": m })).collect();
        }
        if let AppError::InvalidLines(list) = &self.0 {
            body["lines"] = serde_json::json!(list);
        }
        (self.0.status(), axum::Json(body)).into_response()
    }
}
