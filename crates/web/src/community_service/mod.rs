//! Community service (TIG) and reparation measures (axis 2): host structures, posts and their
//! tutors, tutor trainings (`/travaux-interet-general`, kept by the coordinator, read by
//! partners and elected officials), the year's figures, and placements, read only by the
//! members of a community-service working group under the charter (`/groupes/{id}/mesures`).

mod placement;

use crate::auth::{CurrentUser, require};
use crate::error::AppError;
use crate::layout::Layout;
use crate::page::{Done, FieldErrors, FigureTable, YearQuery, errors_of, parse_id, render, render_invalid};
use crate::{AppState, Routes};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maillage_core::authz::{Action, Decision, authorize, confidential_figures_masked};
use maillage_core::community_service::{
    AGE_BANDS, Choice, MEASURES, OUTCOMES, PLACES_MAX, SEXES, STRUCTURE_KINDS, check_choice, check_name, label, normalise_name,
};
use maillage_core::publication;
use maillage_core::time_fmt::{self, parse_typed_date};
use maillage_core::working_group::case::Fault;
use maillage_store::community_service::{NewPost, NewTraining, Post, Structure, Training};
use serde::Deserialize;
use time::Date;

pub fn routes(r: Routes) -> Routes {
    let r = r
        .get("/travaux-interet-general", posts_page)
        .post("/travaux-interet-general/structures", create_structure)
        .post("/travaux-interet-general/postes", create_post)
        .get("/travaux-interet-general/postes/{id}", post_page)
        .post("/travaux-interet-general/postes/{id}/tuteur", change_tutor)
        .post("/travaux-interet-general/postes/{id}/fermeture", close_post)
        .post("/travaux-interet-general/formations", record_training)
        .get("/travaux-interet-general/chiffres", figures_page);
    placement::routes(r)
}

fn today() -> Date {
    time_fmt::paris_date(time_fmt::now())
}

/// A date typed in a form: empty is none; anything else must read as a date.
pub(crate) fn optional_date(field: &'static str, value: &str, faults: &mut Vec<Fault>) -> Option<Date> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    time_fmt::read_typed_date(v).map_err(|fault| faults.push((field, fault.to_string()))).ok()
}

/// A whole number typed in a form: empty is none; anything else must read as one.
pub(crate) fn optional_number(field: &'static str, value: &str, faults: &mut Vec<Fault>) -> Option<i64> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    let n = v.parse().ok();
    if n.is_none() {
        faults.push((field, "Indiquez un nombre entier.".into()));
    }
    n
}

// ---- structures, posts, trainings ----------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
pub struct StructureForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct PostForm {
    #[serde(default)]
    structure_id: String,
    #[serde(default)]
    service: String,
    #[serde(default)]
    activity: String,
    #[serde(default)]
    places: String,
    #[serde(default)]
    minors_accepted: String,
    #[serde(default)]
    tutor_name: String,
    #[serde(default)]
    tutor_function: String,
    #[serde(default)]
    opened_on: String,
}

/// The training form; the posts whose tutor took part arrive as repeated `post` pairs.
#[derive(Default, Clone)]
pub struct TrainingForm {
    held_on: String,
    title: String,
    organised_with: String,
    tutors_trained: String,
    posts: Vec<String>,
}

impl TrainingForm {
    /// Whether the post was ticked (the form shown again after a fault).
    #[allow(clippy::trivially_copy_pass_by_ref, reason = "askama passes arguments by reference")]
    fn has(&self, id: &i64) -> bool {
        self.posts.iter().any(|p| p.trim() == id.to_string())
    }

    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut f = TrainingForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "held_on" => f.held_on = v,
                "title" => f.title = v,
                "organised_with" => f.organised_with = v,
                "tutors_trained" => f.tutors_trained = v,
                "post" => f.posts.push(v),
                _ => {}
            }
        }
        f
    }
}

struct PostLine {
    post: Post,
    trained_on: String,
    opened_on: String,
    closed_on: String,
}

fn post_line(post: Post) -> PostLine {
    PostLine {
        trained_on: post.tutor_trained_on.map(time_fmt::day_fr).unwrap_or_default(),
        opened_on: time_fmt::day_fr(post.opened_on),
        closed_on: post.closed_on.map(time_fmt::day_fr).unwrap_or_default(),
        post,
    }
}

struct TrainingLine {
    held_on: String,
    training: Training,
}

#[derive(Template)]
#[template(path = "community_service/posts.html")]
struct PostsPage {
    layout: Layout,
    /// Placements on each post: counts of people, for the coordination only.
    show_occupancy: bool,
    structures: Vec<(Structure, &'static str)>,
    posts: Vec<PostLine>,
    trainings: Vec<TrainingLine>,
    year: i32,
    can_manage: bool,
    structure_form: StructureForm,
    post_form: PostForm,
    training_form: TrainingForm,
    errors: FieldErrors,
    notice: Option<String>,
    kinds: &'static [Choice],
}

struct Forms {
    structure: StructureForm,
    post: PostForm,
    training: TrainingForm,
}

impl Default for Forms {
    fn default() -> Self {
        let today = today().to_string();
        Forms {
            structure: StructureForm::default(),
            post: PostForm { opened_on: today.clone(), places: "1".into(), ..PostForm::default() },
            training: TrainingForm { held_on: today, ..TrainingForm::default() },
        }
    }
}

async fn posts_view(
    state: &AppState,
    u: &CurrentUser,
    forms: Forms,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<PostsPage, AppError> {
    let today = today();
    let year = today.year();
    let from = Date::from_calendar_date(year, time::Month::January, 1).map_err(AppError::internal)?;
    let structures = state.store.structures().await?.into_iter().map(|s| {
        let kind = STRUCTURE_KINDS.iter().find(|(c, _)| *c == s.kind).map_or("—", |(_, l)| l);
        (s, kind)
    });
    Ok(PostsPage {
        layout: Layout::new("Travaux d'intérêt général et mesures de réparation", Some(u)),
        show_occupancy: !confidential_figures_masked(&u.actor),
        structures: structures.collect(),
        posts: state.store.posts(today).await?.into_iter().map(post_line).collect(),
        trainings: state
            .store
            .trainings(from, today)
            .await?
            .into_iter()
            .map(|t| TrainingLine { held_on: time_fmt::day_fr(t.held_on), training: t })
            .collect(),
        year,
        can_manage: authorize(Some(&u.actor), Action::ManageCommunityService) == Decision::Allow,
        structure_form: forms.structure,
        post_form: forms.post,
        training_form: forms.training,
        errors,
        notice,
        kinds: STRUCTURE_KINDS,
    })
}

fn done_notice(code: &str) -> Option<String> {
    Some(
        match code {
            "structure" => "Structure d'accueil enregistrée.",
            "poste" => "Poste enregistré.",
            "formation" => "Formation enregistrée : les tuteurs des postes cochés sont formés à cette date.",
            "tuteur" => "Tuteur changé : il sera indiqué formé après sa formation.",
            "fermeture" => "Poste fermé.",
            _ => return None,
        }
        .to_string(),
    )
}

async fn posts_page(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<Done>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewCommunityService, "/travaux-interet-general")?;
    render(&posts_view(&state, u, Forms::default(), FieldErrors::default(), done_notice(&q.fait)).await?)
}

async fn create_structure(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    axum::Form(form): axum::Form<StructureForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageCommunityService, "/travaux-interet-general")?;
    let mut faults = Vec::new();
    check_name("name", &form.name, "Le nom de la structure", &mut faults);
    check_choice("kind", STRUCTURE_KINDS, &form.kind, "le type de structure", &mut faults);
    let name = normalise_name(&form.name);
    let same = |s: &str| maillage_core::text::fold(&normalise_name(s)) == maillage_core::text::fold(&name);
    if faults.is_empty() && state.store.structures().await?.iter().any(|s| same(&s.name)) {
        faults.push(("name", "Cette structure est déjà enregistrée.".into()));
    }
    if !faults.is_empty() {
        let forms = Forms { structure: form, ..Forms::default() };
        return render_invalid(&posts_view(&state, u, forms, errors_of(faults, "s-"), None).await?);
    }
    state.store.create_structure(&u.author(), &name, &form.kind).await?;
    Ok(Redirect::to("/travaux-interet-general?fait=structure").into_response())
}

async fn create_post(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    axum::Form(form): axum::Form<PostForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageCommunityService, "/travaux-interet-general")?;
    let mut faults = Vec::new();
    let structures = state.store.structures().await?;
    let structure_id = form.structure_id.trim().parse::<i64>().ok().filter(|id| structures.iter().any(|s| s.id == *id));
    if structure_id.is_none() {
        faults.push(("structure_id", "Choisissez la structure d'accueil dans la liste.".into()));
    }
    check_name("service", &form.service, "Le service", &mut faults);
    check_name("activity", &form.activity, "L'activité proposée", &mut faults);
    check_name("tutor_name", &form.tutor_name, "Le nom du tuteur", &mut faults);
    check_name("tutor_function", &form.tutor_function, "La fonction du tuteur", &mut faults);
    let places = optional_number("places", &form.places, &mut faults);
    if places.is_none_or(|p| !(1..=PLACES_MAX).contains(&p)) && !faults.iter().any(|(f, _)| *f == "places") {
        faults.push(("places", format!("Le nombre de places va de 1 à {PLACES_MAX}.")));
    }
    let opened_on = optional_date("opened_on", &form.opened_on, &mut faults);
    let today = today();
    match opened_on {
        None if !faults.iter().any(|(f, _)| *f == "opened_on") => faults.push(("opened_on", "La date d'ouverture est obligatoire.".into())),
        Some(d) if d > today + time::Duration::days(366) => faults.push(("opened_on", "L'ouverture prévue est au plus dans un an.".into())),
        Some(d) if d < today - time::Duration::days(3660) => {
            faults.push(("opened_on", "L'ouverture date de plus de dix ans : vérifiez la date.".into()));
        }
        _ => {}
    }
    let (Some(structure_id), Some(places), Some(opened_on)) = (structure_id, places, opened_on.filter(|_| faults.is_empty())) else {
        let forms = Forms { post: form, ..Forms::default() };
        return render_invalid(&posts_view(&state, u, forms, errors_of(faults, "p-"), None).await?);
    };
    let post = NewPost {
        structure_id,
        service: normalise_name(&form.service),
        activity: normalise_name(&form.activity),
        places,
        minors_accepted: form.minors_accepted == "oui",
        tutor_name: normalise_name(&form.tutor_name),
        tutor_function: normalise_name(&form.tutor_function),
        opened_on,
    };
    state.store.create_post(&u.author(), &post).await?;
    Ok(Redirect::to("/travaux-interet-general?fait=poste").into_response())
}

async fn record_training(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageCommunityService, "/travaux-interet-general")?;
    let form = TrainingForm::from_pairs(pairs);
    let mut faults = Vec::new();
    let today = today();
    match optional_date("held_on", &form.held_on, &mut faults) {
        None if faults.is_empty() => faults.push(("held_on", "La date de la formation est obligatoire.".into())),
        Some(d) if d > today => {
            faults.push(("held_on", "Une formation s'enregistre une fois tenue : sa date ne peut pas être dans le futur.".into()));
        }
        Some(d) if d < today - time::Duration::days(1830) => {
            faults.push(("held_on", "Cette formation date de plus de cinq ans : vérifiez la date.".into()));
        }
        _ => {}
    }
    check_name("title", &form.title, "L'intitulé", &mut faults);
    check_name("organised_with", &form.organised_with, "Le partenaire (SPIP, PJJ…)", &mut faults);
    let trained = optional_number("tutors_trained", &form.tutors_trained, &mut faults);
    if trained.is_none_or(|n| !(1..=500).contains(&n)) && !faults.iter().any(|(f, _)| *f == "tutors_trained") {
        faults.push(("tutors_trained", "Le nombre de tuteurs formés va de 1 à 500.".into()));
    }
    let posts = state.store.posts(today).await?;
    // Only the tutors of open posts are trained here.
    let post_ids: Option<Vec<i64>> =
        form.posts.iter().map(|p| p.parse::<i64>().ok().filter(|id| posts.iter().any(|x| x.id == *id && x.closed_on.is_none()))).collect();
    match &post_ids {
        None => faults.push(("posts", "Choisissez les postes dans la liste.".into())),
        Some(ids) if trained.is_some_and(|n| usize::try_from(n).is_ok_and(|n| n < ids.len())) => {
            faults.push(("tutors_trained", "Le nombre de tuteurs formés compte au moins les tuteurs des postes cochés.".into()));
        }
        Some(_) => {}
    }
    let held_on = parse_typed_date(&form.held_on);
    let (Some(held_on), Some(tutors_trained), Some(post_ids)) = (held_on.filter(|_| faults.is_empty()), trained, post_ids) else {
        let forms = Forms { training: form, ..Forms::default() };
        return render_invalid(&posts_view(&state, u, forms, errors_of(faults, "t-"), None).await?);
    };
    let t = NewTraining {
        held_on,
        title: normalise_name(&form.title),
        organised_with: normalise_name(&form.organised_with),
        tutors_trained,
        post_ids,
    };
    state.store.record_training(&u.author(), &t).await?;
    Ok(Redirect::to("/travaux-interet-general?fait=formation").into_response())
}

// ---- one post ------------------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
pub struct TutorForm {
    #[serde(default)]
    tutor_name: String,
    #[serde(default)]
    tutor_function: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct CloseForm {
    #[serde(default)]
    closed_on: String,
}

#[derive(Template)]
#[template(path = "community_service/post.html")]
struct PostPage {
    layout: Layout,
    line: PostLine,
    can_manage: bool,
    /// Placements on the post: counts of people, for the coordination only.
    show_occupancy: bool,
    notice: Option<String>,
    tutor: TutorForm,
    closed_on: String,
    errors: FieldErrors,
}

async fn post_of(state: &AppState, id: &str) -> Result<Post, AppError> {
    let id: i64 = parse_id(id)?;
    state.store.post(id, today()).await?.ok_or(AppError::NotFound)
}

fn post_view(u: &CurrentUser, post: Post, tutor: TutorForm, closed_on: String, errors: FieldErrors) -> PostPage {
    PostPage {
        layout: Layout::new(&format!("Poste TIG : {} — {}", post.structure, post.service), Some(u)),
        line: post_line(post),
        can_manage: authorize(Some(&u.actor), Action::ManageCommunityService) == Decision::Allow,
        show_occupancy: !confidential_figures_masked(&u.actor),
        notice: None,
        tutor,
        closed_on,
        errors,
    }
}

async fn post_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewCommunityService, "/travaux-interet-general")?;
    let post = post_of(&state, &id).await?;
    let tutor = TutorForm { tutor_name: post.tutor_name.clone(), tutor_function: post.tutor_function.clone() };
    let page = PostPage { notice: done_notice(&q.fait), ..post_view(u, post, tutor, today().to_string(), FieldErrors::default()) };
    render(&page)
}

async fn change_tutor(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<TutorForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageCommunityService, "/travaux-interet-general")?;
    let post = post_of(&state, &id).await?;
    let mut faults = Vec::new();
    check_name("tutor_name", &form.tutor_name, "Le nom du tuteur", &mut faults);
    check_name("tutor_function", &form.tutor_function, "La fonction du tuteur", &mut faults);
    if post.closed_on.is_some() {
        faults.push(("tutor_name", "Ce poste est fermé : son tuteur ne change plus.".into()));
    }
    if !faults.is_empty() {
        return render_invalid(&post_view(u, post, form, today().to_string(), errors_of(faults, "")));
    }
    state.store.change_tutor(&u.author(), post.id, &normalise_name(&form.tutor_name), &normalise_name(&form.tutor_function)).await?;
    Ok(Redirect::to(&format!("/travaux-interet-general/postes/{}?fait=tuteur", post.id)).into_response())
}

async fn close_post(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<CloseForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageCommunityService, "/travaux-interet-general")?;
    let post = post_of(&state, &id).await?;
    let mut faults = Vec::new();
    let on = optional_date("closed_on", &form.closed_on, &mut faults);
    match on {
        None if faults.is_empty() => faults.push(("closed_on", "La date de fermeture est obligatoire.".into())),
        Some(d) if d < post.opened_on => faults.push(("closed_on", "La fermeture ne peut pas précéder l'ouverture du poste.".into())),
        Some(d) if d > today() => faults.push(("closed_on", "La date de fermeture ne peut pas être dans le futur.".into())),
        _ => {}
    }
    if post.closed_on.is_some() {
        faults.push(("closed_on", "Ce poste est déjà fermé.".into()));
    } else if state.store.count_unended_on_post(post.id).await? > 0 {
        faults.push((
            "closed_on",
            "Des mesures sont en cours ou prévues sur ce poste : le groupe de suivi les termine ou les oriente vers un autre poste avant sa fermeture."
                .into(),
        ));
    }
    let Some(on) = on.filter(|_| faults.is_empty()) else {
        let tutor = TutorForm { tutor_name: post.tutor_name.clone(), tutor_function: post.tutor_function.clone() };
        return render_invalid(&post_view(u, post, tutor, form.closed_on, errors_of(faults, "")));
    };
    state.store.close_post(&u.author(), post.id, on).await?;
    Ok(Redirect::to(&format!("/travaux-interet-general/postes/{}?fait=fermeture", post.id)).into_response())
}

// ---- figures -------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "community_service/figures.html")]
struct FiguresPage {
    layout: Layout,
    year: i32,
    this_year: i32,
    masked: bool,
    /// (what, value)
    facts: Vec<(&'static str, String)>,
    tables: Vec<FigureTable>,
}

/// The year's figures: every count for the coordinator; for partners and elected officials,
/// counts below 5 hidden and a delay published only over 5 measures (privacy rules §7).
async fn figures_page(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<YearQuery>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewCommunityService, "/travaux-interet-general/chiffres")?;
    let year = crate::page::year_param(&q.annee)?;
    let f = maillage_app::community_service::figures(&state, year, today()).await?;
    let masked = confidential_figures_masked(&u.actor);
    let plain = maillage_core::text::number_fr;
    let people = |n: i64| if masked { publication::count(n) } else { plain(n) };
    let days = |d: Option<i64>| match d {
        Some(_) if masked && !publication::is_shown(f.started) => publication::WITHHELD.to_string(),
        Some(d) => format!("{} jours", plain(d)),
        None => "—".to_string(),
    };
    let facts = vec![
        ("Postes créés dans l'année", plain(f.posts_opened)),
        ("Postes ouverts aujourd'hui", plain(f.posts_open_now)),
        ("Places offertes aujourd'hui", plain(f.places_now)),
        ("Postes dont le tuteur est formé", plain(f.trained_tutors_now)),
        ("Formations de tuteurs organisées", plain(f.trainings)),
        ("Tuteurs formés", plain(f.tutors_trained)),
        ("Mesures prononcées dans l'année", people(f.decided)),
        ("Personnes accueillies dans l'année", people(f.hosted)),
        ("Mesures commencées dans l'année", people(f.started)),
        ("Délai médian de la décision au début", days(f.delay_median)),
        // One person's delay: for the coordination only.
        ("Délai le plus long de la décision au début", if masked { publication::WITHHELD.to_string() } else { days(f.delay_max) }),
        // With the measures decided and started beside it, a small count would be found again.
        ("Mesures de l'année pas encore commencées", if masked { publication::WITHHELD.to_string() } else { plain(f.waiting) }),
    ];
    let show = |list: Option<&[Choice]>, counts: Vec<(String, i64)>| {
        let labelled: Vec<(String, i64)> =
            counts.into_iter().map(|(c, n)| (list.map_or_else(|| c.clone(), |l| label(l, &c).to_string()), n)).collect();
        if masked { publication::breakdown(&labelled) } else { labelled.into_iter().map(|(l, n)| (l, plain(n))).collect() }
    };
    let tables = vec![
        FigureTable { caption: "Personnes accueillies par structure", rows: show(None, f.hosted_by_structure) },
        FigureTable { caption: "Personnes accueillies par mesure", rows: show(Some(MEASURES), f.hosted_by_measure) },
        FigureTable { caption: "Personnes accueillies par sexe", rows: show(Some(SEXES), f.hosted_by_sex) },
        FigureTable { caption: "Personnes accueillies par âge", rows: show(Some(AGE_BANDS), f.hosted_by_age) },
        FigureTable { caption: "Issue des mesures terminées dans l'année", rows: show(Some(OUTCOMES), f.outcomes) },
    ];
    render(&FiguresPage {
        layout: Layout::new(&format!("Travaux d'intérêt général : chiffres {year}"), Some(u)),
        year,
        this_year: today().year(),
        masked,
        facts,
        tables,
    })
}
