//! Reports (signalements): list and filters, creation, detail and workflow, photos, map,
//! statistics, exports, settings, the JSON API and Open311. One file per job; each handler
//! checks the permission, calls `maillage_app::report` or the store, and renders.

mod action;
pub mod api;
mod detail;
mod export;
pub(crate) mod filter;
pub(crate) mod form;
pub(crate) mod list;
mod map;
pub mod open311;
pub(crate) mod photo;
pub mod settings;
pub(crate) mod statistics;
pub mod svg;

use crate::Routes;
use action::{change_state, comment, involve, part};
use detail::detail;
use export::{export_csv, export_ods};
use form::{create, new_page};
use list::list;
use map::{map_page, map_picture};
use photo::{photo, thumbnail, upload_photo};
use statistics::statistics;

pub use filter::{FilterQuery, stat_label};

pub const PAGE_SIZE: i64 = 50;

pub fn routes(r: Routes) -> Routes {
    let r = r
        .get("/signalements", list)
        .get("/signalements/nouveau", new_page)
        .post("/signalements/nouveau", create)
        .get("/signalements/carte", map_page)
        .get("/signalements/carte.svg", map_picture)
        .get("/signalements/statistiques", statistics)
        .get("/signalements/export.csv", export_csv)
        .get("/signalements/export.ods", export_ods)
        .get("/signalements/{id}", detail)
        .post("/signalements/{id}/etat", change_state)
        .post("/signalements/{id}/commentaires", comment)
        .post("/signalements/{id}/part", part)
        .post("/signalements/{id}/organisations", involve)
        .post("/signalements/{id}/photos", upload_photo)
        .get("/signalements/photos/{id}", photo)
        .get("/signalements/vignettes/{id}", thumbnail);
    let r = settings::routes(r);
    let r = api::routes(r);
    open311::routes(r)
}
