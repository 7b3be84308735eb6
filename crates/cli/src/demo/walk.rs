//! The demo's walks: the landlord's neighbourhood walks with the municipal police (two a year,
//! 2019-2021, and one this autumn whose findings became reports), a women's exploratory walk
//! each year, and the twice-yearly GUSP evaluations of two districts, their ratings improving
//! slowly so that the synthesis shows a trend.

use maillage_app::App;
use maillage_app::report::Reporter;
use maillage_core::place::Coordinates;
use maillage_core::walk::{FindingDraft, Headcount, Rating, WalkDraft, WalkKind};
use maillage_store::Author;
use maillage_store::walk::WalkFilter;

/// A point inside the district, near its box's centre (shifted by `k` steps), if one is found.
fn point_in(app: &App, district_id: i64, k: usize) -> Option<Coordinates> {
    let places = app.places();
    let (_, _, shape, _) = places.districts.iter().find(|d| d.0 == district_id)?;
    let [x0, y0, x1, y1] = shape.bbox;
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    // A spiral of candidates: the centre of a concave district may lie outside it.
    (0..40).map(|i| (i + k * 3) as f64).find_map(|i| {
        let c = Coordinates {
            lat: cy + (i * 0.7).sin() * (y1 - y0) * 0.04 * (i / 4.0),
            lon: cx + (i * 0.7).cos() * (x1 - x0) * 0.04 * (i / 4.0),
        };
        places.locate(c).ok().filter(|l| l.district_id == Some(district_id)).map(|_| c)
    })
}

fn heads(lines: &[(&str, &str, i64)]) -> Vec<Headcount> {
    lines.iter().map(|(a, s, n)| Headcount { age_band: (*a).into(), sex: (*s).into(), count: *n }).collect()
}

/// Whether the walks were loaded (a database without any walk only).
pub async fn load(app: &App) -> anyhow::Result<bool> {
    let s = &app.store;
    if !s.walks(&WalkFilter::default()).await?.is_empty() {
        return Ok(false);
    }
    let Some(landlord) = s.user_by_email("bailleur@demo.maillage.fr").await? else { return Ok(false) };
    let police = s.user_by_email("police@demo.maillage.fr").await?.and_then(|u| u.organisation_id);
    let author = Author::user(landlord.id, &landlord.email);
    let districts: Vec<i64> = app.places().districts.iter().map(|d| d.0).collect();
    if districts.is_empty() {
        return Ok(false);
    }
    let items = |kind: WalkKind| async move {
        s.walk_items(Some(kind.code()), false).await.map(|v| v.into_iter().map(|i| i.id).collect::<Vec<_>>())
    };
    let (tour, exploratory, gusp) =
        (items(WalkKind::Neighbourhood).await?, items(WalkKind::Exploratory).await?, items(WalkKind::Gusp).await?);
    let date = |y, m, d| time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap_or(time::Month::January), d);
    let findings: &[(&str, &str, &str, usize)] = &[
        ("Lampadaire éteint à l'angle du square", "Square", "dysfonctionnement", 0),
        ("Encombrants déposés devant le local poubelles", "Local poubelles, bâtiment C", "gene", 1),
        ("Véhicule sans plaques stationné depuis plusieurs semaines", "Parking extérieur", "gene", 2),
        ("Porte du hall qui ne ferme plus", "Hall B", "danger", 3),
    ];
    // Neighbourhood walks: two a year in the strategy's years, one this autumn.
    let mut walks = Vec::new();
    for (n, (y, m)) in [(2019, 4), (2019, 10), (2020, 6), (2020, 10), (2021, 5), (2021, 11), (2026, 11)].into_iter().enumerate() {
        let district = districts[n % districts.len()];
        let d = WalkDraft {
            kind: WalkKind::Neighbourhood.code().into(),
            walked_on: Some(date(y, m, 14)?),
            district_id: Some(district),
            route: "Rue principale, square, halls des bâtiments A à D, parking".into(),
            organisation_ids: police.into_iter().collect(),
            headcount: heads(&[("26_plus", "F", 3), ("26_plus", "M", 4)]),
            ratings: tour
                .iter()
                .enumerate()
                .map(|(i, id)| Rating { item_id: *id, rating: 1 + ((i + n) % 4) as i64, comment: String::new() })
                .collect(),
            note: "Tour de quartier avec le gardien et la police municipale.".into(),
        };
        let walk = maillage_app::walk::record(app, &author, landlord.organisation_id, Some(landlord.id), d)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        walks.push(walk);
        let r = s.walk(walk).await?.ok_or_else(|| anyhow::anyhow!("walk {walk} just written"))?;
        for (k, (text, place, severity, item)) in findings.iter().enumerate().take(2 + n % 3) {
            let Some(c) = point_in(app, district, k + n) else { continue };
            let f = FindingDraft {
                item_id: tour.get(*item).copied(),
                description: (*text).into(),
                place: (*place).into(),
                severity: (*severity).into(),
            };
            maillage_app::walk::add_finding(app, &author, &r, &f, &c.lat.to_string(), &c.lon.to_string())
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        }
    }
    // This autumn's findings became reports, routed as usual.
    if let Some(last) = walks.last()
        && let Some(r) = s.walk(*last).await?
    {
        let catalog = app.catalog().await?;
        let category = |code: &str| catalog.categories.iter().find(|c| c.code == code).map(|c| c.id);
        let who = Reporter {
            author: author.clone(),
            user_id: Some(landlord.id),
            organisation_id: landlord.organisation_id,
            source: maillage_core::report::Source::Web,
        };
        for (f, code) in r.findings.iter().zip(["eclairage-equipement", "depot-sauvage", "vehicule-epave"]) {
            let mut answers = std::collections::BTreeMap::new();
            match code {
                "depot-sauvage" => answers.insert("nature".to_string(), vec!["encombrants".to_string()]),
                "vehicule-epave" => answers.insert("vehicule".to_string(), vec!["Berline blanche".to_string()]),
                _ => None,
            };
            let draft = maillage_app::walk::report_draft(&r, f, category(code), answers);
            maillage_app::walk::report_finding(app, &who, f, &draft).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
        }
    }
    // A women's exploratory walk each year, in the evening.
    for y in [2019, 2020, 2021] {
        let district = districts[(y as usize) % districts.len()];
        let d = WalkDraft {
            kind: WalkKind::Exploratory.code().into(),
            walked_on: Some(date(y, 3, 8)?),
            district_id: Some(district),
            route: "De la gare au centre social, par le passage souterrain".into(),
            organisation_ids: Vec::new(),
            headcount: heads(&[("18_25", "F", 4), ("26_plus", "F", 9), ("16_17", "F", 2)]),
            ratings: exploratory
                .iter()
                .enumerate()
                .map(|(i, id)| Rating { item_id: *id, rating: 1 + (i % 3) as i64, comment: String::new() })
                .collect(),
            note: "Marche exploratoire en soirée avec des habitantes et le centre social.".into(),
        };
        let walk = maillage_app::walk::record(app, &author, landlord.organisation_id, Some(landlord.id), d)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let r = s.walk(walk).await?.ok_or_else(|| anyhow::anyhow!("walk {walk} just written"))?;
        if let Some(c) = point_in(app, district, 5) {
            let f = FindingDraft {
                item_id: exploratory.first().copied(),
                description: "Passage souterrain mal éclairé, sentiment d'insécurité le soir".into(),
                place: "Passage souterrain".into(),
                severity: "danger".into(),
            };
            maillage_app::walk::add_finding(app, &author, &r, &f, &c.lat.to_string(), &c.lon.to_string())
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        }
    }
    // GUSP: twice a year in two districts, slowly better.
    for (n, district) in districts.iter().take(2).enumerate() {
        for (step, (y, m)) in [(2019, 5), (2019, 11), (2020, 5), (2020, 11), (2021, 5), (2021, 11)].into_iter().enumerate() {
            let d = WalkDraft {
                kind: WalkKind::Gusp.code().into(),
                walked_on: Some(date(y, m, 20)?),
                district_id: Some(*district),
                route: String::new(),
                organisation_ids: police.into_iter().collect(),
                headcount: heads(&[("26_plus", "F", 2), ("26_plus", "M", 3)]),
                ratings: gusp
                    .iter()
                    .enumerate()
                    .map(|(i, id)| Rating { item_id: *id, rating: (1 + (i + n) % 2 + step / 2) as i64, comment: String::new() })
                    .map(|r| Rating { rating: r.rating.min(4), ..r })
                    .collect(),
                note: String::new(),
            };
            maillage_app::walk::record(app, &author, landlord.organisation_id, Some(landlord.id), d)
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        }
    }
    Ok(true)
}
