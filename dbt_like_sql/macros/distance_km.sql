-- Great-circle (straight-line) distance in km between two WGS84 points: the haversine formula on
-- a sphere of the Earth's mean radius, 6371.0088 km (error under 0.5 % against the ellipsoid).
create or replace macro distance_km(lat1, lon1, lat2, lon2) as
    2 * 6371.0088 * asin(sqrt(
        power(sin(radians(lat2 - lat1) / 2), 2)
        + cos(radians(lat1)) * cos(radians(lat2)) * power(sin(radians(lon2 - lon1) / 2), 2)
    ))
