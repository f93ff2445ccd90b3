"""Every GraphQL document PlexSync sends to Stash, in one place.

Keeping them together lets one test validate all of them against Stash's real
schema, and keeps each request down to the fields the sync actually needs.
"""

SCENE_FIELDS = """
fragment PlexSyncScene on Scene {
  id
  title
  details
  date
  director
  rating100
  organized
  urls
  updated_at
  files { path basename size }
  studio { id name }
  performers { id name }
  tags { id name }
  paths { screenshot }
}
"""

FIND_SCENES_BY_ID = (
    """
query PlexSyncScenesById($ids: [ID!], $filter: FindFilterType) {
  findScenes(ids: $ids, filter: $filter) {
    count
    scenes { ...PlexSyncScene }
  }
}
"""
    + SCENE_FIELDS
)

FIND_SCENES_PAGE = (
    """
query PlexSyncScenesPage($filter: FindFilterType, $scene_filter: SceneFilterType) {
  findScenes(filter: $filter, scene_filter: $scene_filter) {
    count
    scenes { ...PlexSyncScene }
  }
}
"""
    + SCENE_FIELDS
)

FIND_UPDATED_PERFORMERS = """
query PlexSyncUpdatedPerformers($filter: FindFilterType, $performer_filter: PerformerFilterType) {
  findPerformers(filter: $filter, performer_filter: $performer_filter) {
    count
    performers { id }
  }
}
"""

FIND_UPDATED_TAGS = """
query PlexSyncUpdatedTags($filter: FindFilterType, $tag_filter: TagFilterType) {
  findTags(filter: $filter, tag_filter: $tag_filter) {
    count
    tags { id }
  }
}
"""

FIND_UPDATED_STUDIOS = """
query PlexSyncUpdatedStudios($filter: FindFilterType, $studio_filter: StudioFilterType) {
  findStudios(filter: $filter, studio_filter: $studio_filter) {
    count
    studios { id }
  }
}
"""

PLUGIN_SETTINGS = """
query PlexSyncSettings {
  configuration {
    plugins(include: ["PlexSync"])
  }
}
"""

ALL_DOCUMENTS = (
    FIND_SCENES_BY_ID,
    FIND_SCENES_PAGE,
    FIND_UPDATED_PERFORMERS,
    FIND_UPDATED_TAGS,
    FIND_UPDATED_STUDIOS,
    PLUGIN_SETTINGS,
)
