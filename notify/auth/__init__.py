"""Who is calling: holders, staff members and the API clients of partner organisations."""
