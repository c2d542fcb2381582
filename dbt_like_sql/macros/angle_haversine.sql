-- Haversine of the central angle between two WGS84 points, given the cosine of each latitude:
-- grows with the distance, so the nearest of many points is the one with the smallest value,
-- and a search computes the cosines once per point and arc_km once per answer.
create or replace macro angle_haversine(lat1, lon1, cos_lat1, lat2, lon2, cos_lat2) as
    power(sin(radians(lat2 - lat1) / 2), 2)
    + cos_lat1 * cos_lat2 * power(sin(radians(lon2 - lon1) / 2), 2)
