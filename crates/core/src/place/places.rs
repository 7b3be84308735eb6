//! The areas held in memory: parsed once from the stored GeoJSON, asked for every report
//! (inside the territory? which district, which priority area, which coverage for routing?).

use super::{AreaKind, Coordinates, PlaceError, Shape};

/// An area as stored: its kind, name and GeoJSON geometry.
#[derive(Clone, Debug, PartialEq)]
pub struct Area {
    pub id: i64,
    pub kind: AreaKind,
    pub name: String,
    pub organisation_id: Option<i64>,
    pub approximate: bool,
    pub geometry: String,
}

/// The areas, parsed once and kept in memory; reloaded when the administrator changes them.
#[derive(Clone, Debug, Default)]
pub struct Places {
    pub territory: Vec<(i64, Shape)>,
    pub districts: Vec<(i64, String, Shape, bool)>,
    pub priority_areas: Vec<(i64, String, Shape)>,
    pub coverage: Vec<(i64, Shape)>,
    pub police_sectors: Vec<(i64, String, Shape)>,
}

/// Where a point lies.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Location {
    pub district_id: Option<i64>,
    pub priority_area_id: Option<i64>,
    /// Every area containing the point, for routing.
    pub area_ids: Vec<i64>,
}

impl Places {
    pub fn from_areas(areas: &[Area]) -> Places {
        let mut p = Places::default();
        for a in areas {
            // A geometry is checked when it is uploaded; one that no longer parses is skipped
            // rather than stopping every report form.
            let Ok(shape) = Shape::from_geometry_text(&a.geometry) else {
                continue;
            };
            match a.kind {
                AreaKind::Territory => p.territory.push((a.id, shape)),
                AreaKind::District => p.districts.push((a.id, a.name.clone(), shape, a.approximate)),
                AreaKind::PriorityArea => p.priority_areas.push((a.id, a.name.clone(), shape)),
                AreaKind::Coverage => p.coverage.push((a.id, shape)),
                AreaKind::PoliceSector => p.police_sectors.push((a.id, a.name.clone(), shape)),
            }
        }
        p
    }

    /// Locates a point. Outside the territory (or, without one, outside every district) it is
    /// refused; with no area at all, any point is accepted.
    pub fn locate(&self, c: Coordinates) -> Result<Location, PlaceError> {
        let inside_territory = if !self.territory.is_empty() {
            self.territory.iter().any(|(_, s)| s.contains(c))
        } else if !self.districts.is_empty() {
            self.districts.iter().any(|(_, _, s, _)| s.contains(c))
        } else {
            true
        };
        if !inside_territory {
            return Err(PlaceError::OutsideTerritory);
        }
        let district_id = self.districts.iter().find(|(_, _, s, _)| s.contains(c)).map(|d| d.0);
        let priority_area_id = self.priority_areas.iter().find(|(_, _, s)| s.contains(c)).map(|d| d.0);
        let mut area_ids: Vec<i64> = self.territory.iter().filter(|(_, s)| s.contains(c)).map(|a| a.0).collect();
        area_ids.extend(district_id);
        area_ids.extend(priority_area_id);
        area_ids.extend(self.coverage.iter().filter(|(_, s)| s.contains(c)).map(|a| a.0));
        Ok(Location { district_id, priority_area_id, area_ids })
    }

    /// The box (min lon, min lat, max lon, max lat) holding the territory or the districts.
    pub fn extent(&self) -> Option<[f64; 4]> {
        let boxes: Vec<[f64; 4]> = if self.territory.is_empty() {
            self.districts.iter().map(|d| d.2.bbox).collect()
        } else {
            self.territory.iter().map(|t| t.1.bbox).collect()
        };
        boxes.into_iter().reduce(|a, b| [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])])
    }

    pub fn district_name(&self, id: Option<i64>) -> Option<&str> {
        let id = id?;
        self.districts.iter().find(|d| d.0 == id).map(|d| d.1.as_str())
    }
}
