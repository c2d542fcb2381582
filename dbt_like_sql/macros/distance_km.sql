-- Great-circle (straight-line) distance in km between two WGS84 points: the haversine formula on
-- a sphere of the Earth's mean radius, 6371.0088 km (error under 0.5 % against the ellipsoid).
create or replace macro distance_km(lat1, lon1, lat2, lon2) as
    arc_km(angle_haversine(lat1, lon1, cos(radians(lat1)), lat2, lon2, cos(radians(lat2))))
