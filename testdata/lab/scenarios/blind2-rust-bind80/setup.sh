useradd -r wwwedge
