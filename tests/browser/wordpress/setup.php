<?php
// Run by the harness with php-cli: install WordPress, then one post per argument "slug=URL"
// (each post's only line is that URL), with the plugin active or not. Prints the posts' URLs as JSON.
define( 'WP_INSTALLING', true );
define( 'ABSPATH', rtrim( getenv( 'HW_WP_ROOT' ), '/' ) . '/' );
$_SERVER['HTTP_HOST'] = parse_url( getenv( 'HW_WP_URL' ), PHP_URL_HOST );
require ABSPATH . 'wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';
wp_install( 'Partner blog', 'admin', 'admin@example.org', false, '', 'not-a-real-password' );
update_option( 'permalink_structure', '/%postname%/' );
update_option( 'template', 'twentytwentythree' );
update_option( 'stylesheet', 'twentytwentythree' );
$plugin = getenv( 'HW_WP_PLUGIN' );
if ( $plugin ) {
	update_option( 'health_widgets', array( 'server' => getenv( 'HW_WIDGETS_URL' ), 'theme' => '', 'partner' => '' ) );
	$result = activate_plugin( 'health-widgets/health-widgets.php' );
	if ( is_wp_error( $result ) ) {
		fwrite( STDERR, 'plugin: ' . $result->get_error_message() . "\n" );
		exit( 1 );
	}
}
$posts = array();
foreach ( array_slice( $argv, 1 ) as $arg ) {
	list( $slug, $url ) = explode( '=', $arg, 2 );
	$id = wp_insert_post(
		array(
			'post_title'   => 'Post ' . $slug,
			'post_name'    => $slug,
			'post_content' => $url,
			'post_status'  => 'publish',
		),
		true
	);
	if ( is_wp_error( $id ) ) {
		fwrite( STDERR, 'post: ' . $id->get_error_message() . "\n" );
		exit( 1 );
	}
	$posts[ $slug ] = get_permalink( $id );
}
echo wp_json_encode( $posts );
