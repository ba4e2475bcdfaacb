#version 330

// A textured quad for manim-diffusion's image layers (the OpenGL side of ImageLayer).
// The includes are copies of manim's own (MIT licence), so the positions match its shaders.
#include ../include/camera_uniform_declarations.glsl

in vec3 point;
in vec2 im_coords;
in float opacity;

out vec2 v_im_coords;
out float v_opacity;

#include ../include/get_gl_Position.glsl
#include ../include/position_point_into_frame.glsl

void main(){
    v_im_coords = im_coords;
    v_opacity = opacity;
    gl_Position = get_gl_Position(position_point_into_frame(point));
}
