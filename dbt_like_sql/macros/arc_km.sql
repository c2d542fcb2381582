-- Length in km of the great-circle arc whose central angle has this haversine (see
-- angle_haversine), on a sphere of the Earth's mean radius, 6371.0088 km.
create or replace macro arc_km(haversine) as 2 * 6371.0088 * asin(sqrt(haversine))
