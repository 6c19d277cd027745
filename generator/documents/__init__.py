"""What people read, generated from the template: the parameter reference, the
pictures, the cost and the journeys page."""
